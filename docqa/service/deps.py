"""Dependencies injected into the routers: the loaded index, settings, request checks."""

from email.message import Message
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from docqa.config import Settings
from docqa.index.search import Searcher
from docqa.ingest.base import Document


async def get_searcher(request: Request) -> Searcher:
    return request.app.state.searcher


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_documents(request: Request) -> dict[str, Document]:
    return request.app.state.documents


SearcherDep = Annotated[Searcher, Depends(get_searcher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DocumentsDep = Annotated[dict[str, Document], Depends(get_documents)]


async def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON (runs before the body is validated)."""
    declared = request.headers.get("content-type", "")
    message = Message()
    message["content-type"] = declared
    subtype = message.get_content_subtype()
    if message.get_content_maintype() != "application" or not (
        subtype == "json" or subtype.endswith("+json")
    ):
        shown = f"'{declared}'" if declared else "none"
        raise HTTPException(
            status_code=415,
            detail=f"Content-Type must be application/json, got {shown}",
        )
