"""The runners of ``run_request``: one domain engine per kind of request, run by a worker.

Imported only when a worker first carries out a request (:data:`personvern.jobs.requests.
RUNNERS` names these functions by their dotted path), because the engines bring the
datastore connectors, the notice builder and the cryptography with them.

Each runner is safe to call again for the same request, which is what a retry after a
crash does:

* **access, portability**: a request already completed had its package made and stored in
  the same transaction that completed it, so a retry does nothing; a request left
  ``running`` is answered again and the new package replaces any a failed run left
  (:func:`personvern.requests.access.run_access`): never two packages.
* **erasure**: resumable by design (:mod:`personvern.requests.erasure`): finished datastores
  are skipped, a planned one is applied again to the same bytes.
* **rectification**: datastores done are skipped; the others are written again with the
  same values.
* **restriction, objection**: limits already recorded for the request are not recorded
  again (:mod:`personvern.requests.limit_requests`).

Errors: a refusal of the domain (a request rejected meanwhile, a change to an undeclared
field, a missing engine secret, a manifest that does not load) is permanent and fails the
job at once with its message; a datastore that does not answer is retried with backoff.
Messages name the failure's kind, never a value from the shop's rows.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TypeAlias

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from personvern.datastores.connect import DatastoreError
from personvern.jobs.registry import JobEnvironment, JobError, PermanentJobError
from personvern.keys import SecretError
from personvern.manifest.errors import ManifestError
from personvern.manifest.load import LoadedManifest, load_manifest
from personvern.requests import access, erasure, lifecycle, limit_requests, rectification
from personvern.requests.lifecycle import RequestError
from personvern.store.models import RequestStatus

ACTOR = "worker"


Signature: TypeAlias = tuple[tuple[tuple[str, int, int], ...], tuple[tuple[str, str], ...]]


def _signature(path: Path) -> Signature:
    """What changes the loaded manifest: each file's name, mtime and size, and the
    environment its ``${VAR}`` references are filled in from."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return (tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files),
            tuple(sorted(os.environ.items())))


@lru_cache(maxsize=4)
def _load(path: Path, _signature: Signature) -> LoadedManifest:
    return load_manifest(path)


def job_manifest(environment: JobEnvironment) -> LoadedManifest:
    """The worker's manifest, loaded once and again only after it changed on disk."""
    path = environment.manifest_path
    if path is None:
        raise PermanentJobError("the worker has no manifest: give --manifest or set "
                                "PERSONVERN_MANIFEST")
    try:
        return _load(path.resolve(), _signature(path.resolve()))
    except OSError as error:
        raise PermanentJobError(f"the manifest {path} cannot be read: {error.strerror}"
                                ) from None
    except ManifestError:
        raise PermanentJobError(f"the manifest {path} does not load; run "
                                "`personvern check` on it") from None


def _session(environment: JobEnvironment) -> Session:
    return Session(environment.engine, expire_on_commit=False)


def _status(session: Session, request_id: str) -> RequestStatus:
    return lifecycle.get_request(session, request_id).status


def _carry_out(environment: JobEnvironment, request_id: str, kind: str) -> None:
    loaded = job_manifest(environment)
    with _session(environment) as session:
        try:
            status = _status(session, request_id)
            if status is RequestStatus.rejected:
                return  # rejected after it was approved (Art. 12(4)): nothing to carry out
            if kind == "access":
                if status is RequestStatus.completed:
                    return  # answered before a crash kept the job from being marked done
                access.run_access(session, request_id, loaded, actor=ACTOR)
            elif kind == "erasure":
                erasure.run_erasure(session, request_id, loaded.manifest, actor=ACTOR)
            elif kind == "limits":
                limit_requests.run_limit_request(session, request_id, loaded.manifest,
                                                 actor=ACTOR)
            else:
                rectification.run_rectification(session, request_id, loaded.manifest,
                                                 actor=ACTOR)
        except (RequestError, SecretError) as error:
            session.rollback()
            raise PermanentJobError(f"request {request_id}: {error}") from None
        except DatastoreError as error:
            session.rollback()
            raise JobError(f"request {request_id}: {error}") from None
        except SQLAlchemyError as error:
            session.rollback()
            # The driver's message may quote rows or identities: name the kind only.
            raise JobError(f"request {request_id}: a database error stopped the work "
                           f"({type(error).__name__}); what was done stays done") from None


def answer_access(environment: JobEnvironment, request_id: str) -> None:
    """Art. 15 / Art. 20: build, encrypt and store the package; the request is completed.
    The subject fetches it with a token issued when they ask for it (the portal after a
    fresh verification, or ``personvern requests link``)."""
    _carry_out(environment, request_id, "access")


def carry_out_erasure(environment: JobEnvironment, request_id: str) -> None:
    """Art. 17: erase datastore by datastore; completed once no Art. 19 task is open."""
    _carry_out(environment, request_id, "erasure")


def carry_out_rectification(environment: JobEnvironment, request_id: str) -> None:
    """Art. 16: apply the payload's changes; completed once no Art. 19 task is open."""
    _carry_out(environment, request_id, "rectification")


def record_limits(environment: JobEnvironment, request_id: str) -> None:
    """Art. 18 / Art. 21: record the payload's restriction or objections; a restriction's
    request is completed once every recipient is told (Art. 19)."""
    _carry_out(environment, request_id, "limits")
