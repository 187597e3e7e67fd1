"""Dependencies injected into the routers: the served index, settings, request checks."""

import hmac
from email.message import Message
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, Security
from fastapi.security import APIKeyHeader

from docqa.config import Settings
from docqa.service.echo import quoted
from docqa.service.live import LiveIndex, Snapshot


async def get_live(request: Request) -> LiveIndex:
    return request.app.state.live


INDEX_VERSION_HEADER = "X-Index-Version"


async def get_snapshot(request: Request, response: Response) -> Snapshot:
    """The build this request uses from start to end, even if a reload swaps in a newer one.

    Its version goes out as a header too, so a client can tell whether two responses (a search
    and the document a citation points into) come from the same build.
    """
    snapshot = request.app.state.live.current
    response.headers[INDEX_VERSION_HEADER] = snapshot.version
    return snapshot


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


LiveDep = Annotated[LiveIndex, Depends(get_live)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON (runs before the body is validated)."""
    declared = request.headers.get("content-type", "")
    message = Message()
    message["content-type"] = declared
    subtype = message.get_content_subtype()
    if message.get_content_maintype() != "application" or not (
        subtype == "json" or subtype.endswith("+json")
    ):
        shown = quoted(declared) if declared else "none"
        raise HTTPException(
            status_code=415,
            detail=f"Content-Type must be application/json, got {shown}",
        )


API_KEY_HEADER = "X-API-Key"
_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="DOCQA_ADMIN_API_KEY")


async def require_admin(
    settings: SettingsDep, given: Annotated[str | None, Security(_api_key)]
) -> None:
    """403 while no admin key is configured; 401 unless the request carries that key."""
    if settings.admin_api_key is None:
        raise HTTPException(
            status_code=403,
            detail="admin endpoints are disabled: set DOCQA_ADMIN_API_KEY to enable them",
        )
    expected = settings.admin_api_key.get_secret_value().encode()
    # Headers arrive decoded as latin-1, so any value encodes back; compare_digest takes time
    # independent of where the values differ, so the key cannot be guessed byte by byte.
    if given is None or not hmac.compare_digest(given.encode("latin-1"), expected):
        raise HTTPException(
            status_code=401,
            detail=f"missing or wrong {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
