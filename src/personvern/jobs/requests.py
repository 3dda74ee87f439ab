"""The job that carries out an approved data-subject request.

``run_request`` looks up the request's kind in :data:`RUNNERS` and calls the runner for
it. The access and erasure engines register theirs with :func:`register_runner`, either
as a function or by dotted name (``"personvern.requests.access:run_access"``), which is
imported only when a job needs it. A kind with no runner fails the job at once (no retry)
with "not implemented for kind X".

A runner is called as ``runner(environment, request_id)`` and opens its own sessions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeAlias, cast

from personvern.jobs.registry import JobEnvironment, PermanentJobError, job
from personvern.store.database import session_factory
from personvern.store.models import DataSubjectRequest, RequestKind

RequestRunner: TypeAlias = Callable[[JobEnvironment, str], None]
RUNNERS: dict[RequestKind, RequestRunner | str] = {}


class NotImplementedForKindError(PermanentJobError):
    def __init__(self, kind: RequestKind) -> None:
        super().__init__(f"run_request: not implemented for kind {kind.value}")
        self.kind = kind


def register_runner(kind: RequestKind, runner: RequestRunner | str) -> None:
    """Make ``runner`` (a function, or ``"module:function"``) carry out requests of ``kind``."""
    RUNNERS[kind] = runner


def resolve(target: RequestRunner | str) -> RequestRunner:
    if not isinstance(target, str):
        return target
    module, _, name = target.replace(":", ".").rpartition(".")
    return cast(RequestRunner, getattr(importlib.import_module(module), name))


def runner_for(kind: RequestKind) -> RequestRunner:
    target = RUNNERS.get(kind)
    if target is None:
        raise NotImplementedForKindError(kind)
    return resolve(target)


@job("run_request")
def run_request(payload: dict[str, Any], environment: JobEnvironment) -> None:
    """Carry out the request ``payload["request_id"]`` with the runner for its kind."""
    request_id = payload.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise PermanentJobError("run_request: the payload needs a request_id")
    with session_factory(environment.engine)() as session:
        request = session.get(DataSubjectRequest, request_id)
        if request is None:
            raise PermanentJobError(f"run_request: no request {request_id[:36]}")
        kind = request.kind
    runner_for(kind)(environment, request_id)
