"""The job functions, by name, shared by the in-process runner and procrastinate."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import sqlalchemy as sa

JOB_NAME_MAX = 64
# Modules whose import registers job functions (``@job``); loaded by :func:`load_jobs`.
JOB_MODULES = ("personvern.jobs.requests",)


@dataclass(frozen=True)
class JobEnvironment:
    """What a job needs to open its own session: the engine store, and the manifest."""

    engine: sa.Engine
    manifest_path: Path | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


JobFunction: TypeAlias = Callable[[dict[str, Any], JobEnvironment], None]
JOBS: dict[str, JobFunction] = {}


class JobError(Exception):
    """A job failed; it may be retried."""


class PermanentJobError(JobError):
    """A job failed in a way a retry cannot fix (unknown job, unimplemented kind)."""


class UnknownJobError(PermanentJobError):
    pass


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` as the job ``name``: ``@job("run_request")``."""
    if not name or len(name) > JOB_NAME_MAX:
        raise ValueError(f"a job name is 1 to {JOB_NAME_MAX} characters")

    def register(function: JobFunction) -> JobFunction:
        existing = JOBS.get(name)
        if existing is not None and existing is not function:
            raise ValueError(f"job {name} is registered twice")
        JOBS[name] = function
        return function

    return register


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
