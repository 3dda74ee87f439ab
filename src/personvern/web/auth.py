"""``Authorization: Bearer <api key>`` on every API route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from personvern.requests.apikeys import authenticate
from personvern.web.state import AppState, app_state

bearer = HTTPBearer(auto_error=False, description="An API key: personvern apikeys create NAME")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="personvern"'}


async def api_actor(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    state: Annotated[AppState, Depends(app_state)],
) -> str:
    """The caller, as the audit log names it (``api:<key prefix>``); 401 without a live key.
    A key that passed within the last seconds is not looked up again
    (:class:`~personvern.requests.apikeys.VerifiedKeys`)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API key is required: Authorization: Bearer <key>",
                            headers=CHALLENGE)
    presented = credentials.credentials
    prefix = state.verified_keys.prefix_of(presented)
    if prefix is None:
        prefix = await run_in_threadpool(_look_up, state, presented)
        if prefix is None:
            raise HTTPException(401, "the API key is not valid or was revoked",
                                headers={"WWW-Authenticate": 'Bearer realm="personvern", '
                                         'error="invalid_token"'})
        state.verified_keys.remember(presented, prefix)
    return f"api:{prefix}"


def _look_up(state: AppState, presented: str) -> str | None:
    with state.transaction() as session:
        key = authenticate(session, presented)
        return key.prefix if key is not None else None


Actor = Annotated[str, Depends(api_actor)]
State = Annotated[AppState, Depends(app_state)]
