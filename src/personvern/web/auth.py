"""``Authorization: Bearer <api key>`` on every API route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from personvern.requests.apikeys import authenticate
from personvern.web.state import AppState, app_state

bearer = HTTPBearer(auto_error=False, description="An API key: personvern apikeys create NAME")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="personvern"'}


def api_actor(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    state: Annotated[AppState, Depends(app_state)],
) -> str:
    """The caller, as the audit log names it (``api:<key prefix>``); 401 without a live key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "an API key is required: Authorization: Bearer <key>",
                            headers=CHALLENGE)
    with state.transaction() as session:
        key = authenticate(session, credentials.credentials)
        prefix = key.prefix if key is not None else None
    if prefix is None:
        raise HTTPException(401, "the API key is not valid or was revoked",
                            headers={"WWW-Authenticate": 'Bearer realm="personvern", '
                                     'error="invalid_token"'})
    return f"api:{prefix}"


Actor = Annotated[str, Depends(api_actor)]
State = Annotated[AppState, Depends(app_state)]
