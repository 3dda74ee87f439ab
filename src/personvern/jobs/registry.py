"""The job functions, by name, shared by the in-process runner and procrastinate."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeAlias

import sqlalchemy as sa

JOB_NAME_MAX = 64
# Modules whose import registers job functions (``@job``); loaded by :func:`load_jobs`.
JOB_MODULES = ("personvern.jobs.requests", "personvern.retention.jobs")


@dataclass(frozen=True)
class JobEnvironment:
    """What a job needs to open its own session: the engine store, and the manifest."""

    engine: sa.Engine
    manifest_path: Path | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


JobFunction: TypeAlias = Callable[[dict[str, Any], JobEnvironment], None]
JOBS: dict[str, JobFunction] = {}
# Jobs that also run on a schedule, by name: how often. The in-process runner queues them
# when the last run is that old; procrastinate defers them by cron (see schedule_of).
PERIODIC: dict[str, timedelta] = {}


class JobError(Exception):
    """A job failed; it may be retried."""


class PermanentJobError(JobError):
    """A job failed in a way a retry cannot fix (unknown job, unimplemented kind)."""


class UnknownJobError(PermanentJobError):
    pass


def job(name: str, *, every: timedelta | None = None
        ) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` as the job ``name``: ``@job("run_request")``.

    ``every``: also run it on that schedule (a number of minutes dividing an hour, or of
    hours dividing a day), with the payload ``{"scheduled": True}``.
    """
    if not name or len(name) > JOB_NAME_MAX:
        raise ValueError(f"a job name is 1 to {JOB_NAME_MAX} characters")
    if every is not None:
        schedule_of(every)  # refuse a period no cron line can express, at import

    def register(function: JobFunction) -> JobFunction:
        existing = JOBS.get(name)
        if existing is not None and existing is not function:
            raise ValueError(f"job {name} is registered twice")
        JOBS[name] = function
        if every is not None:
            PERIODIC[name] = every
        return function

    return register


def schedule_of(every: timedelta) -> str:
    """The cron line for a period: ``*/15 * * * *`` for 15 minutes, ``0 */6 * * *`` for
    6 hours, ``0 0 * * *`` for a day. Other periods would drift against the clock."""
    minutes, rest = divmod(int(every.total_seconds()), 60)
    if rest or minutes < 1:
        raise ValueError("a job's period is a whole number of minutes")
    if minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if not rest and hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *"
    if minutes == 24 * 60:
        return "0 0 * * *"
    raise ValueError("a job's period divides an hour (minutes) or a day (hours), "
                     "or is one day")


def load_jobs() -> Mapping[str, JobFunction]:
    """Import the modules that register jobs; the table of all job functions."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    return JOBS


def find_job(name: str) -> JobFunction:
    function = load_jobs().get(name)
    if function is None:
        raise UnknownJobError(f"no job named {name[:JOB_NAME_MAX]!r}")
    return function


def run_job(name: str, payload: dict[str, Any], environment: JobEnvironment) -> None:
    """Run the job ``name`` once, here and now."""
    find_job(name)(payload, environment)
