"""Job functions for the tests, which record what ran (a module of its own: ``conftest``
names clash across test folders)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from personvern.jobs.registry import JobEnvironment, JobError, job

executed: Counter[int] = Counter()
_LOCK = threading.Lock()


@job("test.record")
def record(payload: dict[str, Any], _environment: JobEnvironment) -> None:
    with _LOCK:
        executed[int(payload["n"])] += 1


@job("test.always_fails")
def always_fails(_payload: dict[str, Any], _environment: JobEnvironment) -> None:
    raise JobError("the shop database did not answer")
