"""The scheduled retention run: ``retention_sweep``, once a day, by ``personvern worker``.

On PostgreSQL procrastinate's cron deferrer queues it (one job per tick, however many
workers run); on SQLite the in-process runner queues it when the last run finished a day
ago. Either way the job does what ``personvern retention run`` does, with the clock of
the moment it runs. Two overlapping runs cannot double anything: each batch re-checks
its rows, and masking is stable.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from personvern.jobs.registry import JobEnvironment, PermanentJobError, job
from personvern.store.database import session_factory

RETENTION_SWEEP = "retention_sweep"
EVERY = timedelta(days=1)
MANIFEST_VARIABLE = "PERSONVERN_MANIFEST"


@job(RETENTION_SWEEP, every=EVERY)
def retention_sweep(payload: dict[str, Any], environment: JobEnvironment) -> None:
    """Sweep every retention rule of the manifest and complete expired legal holds."""
    from personvern.manifest.errors import ManifestError
    from personvern.manifest.load import load_manifest
    from personvern.retention.rules import RuleError
    from personvern.retention.sweep import DEFAULT_BATCH, Moment, Settings, run

    path = environment.manifest_path or _from_environment()
    if path is None:
        raise PermanentJobError(f"{RETENTION_SWEEP}: no manifest (start the worker with "
                                f"--manifest or set ${MANIFEST_VARIABLE})")
    try:
        manifest = load_manifest(path).manifest
    except ManifestError:
        raise PermanentJobError(f"{RETENTION_SWEEP}: the manifest does not load") from None
    batch = payload.get("batch_size", DEFAULT_BATCH)
    pause = payload.get("pause", 0.0)
    if not isinstance(batch, int) or isinstance(batch, bool) or not 100 <= batch <= 1_000_000:
        raise PermanentJobError(f"{RETENTION_SWEEP}: batch_size is 100 to 1000000")
    if not isinstance(pause, int | float) or isinstance(pause, bool) or not 0 <= pause <= 60:
        raise PermanentJobError(f"{RETENTION_SWEEP}: pause is 0 to 60 seconds")
    moment = Moment.at(datetime.now(UTC), manifest.organization.country)
    with session_factory(environment.engine)() as session:
        try:
            run(session, manifest, moment, Settings(batch_size=batch, pause=float(pause),
                                                    actor="job:" + RETENTION_SWEEP))
        except RuleError as error:
            raise PermanentJobError(f"{RETENTION_SWEEP}: {error}") from None


def _from_environment() -> Path | None:
    value = os.environ.get(MANIFEST_VARIABLE)
    return Path(value) if value else None
