"""The FastAPI application: one Searcher loaded at startup, shared by every request."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from docqa.config import Settings
from docqa.index.loader import open_searcher
from docqa.index.search import Searcher
from docqa.index.store import IndexNotFoundError
from docqa.service import errors
from docqa.service.routers import ask, documents, health, page

logger = logging.getLogger("docqa.service")


def create_app(
    settings: Settings, index_dir: Path | None = None, *, searcher: Searcher | None = None
) -> FastAPI:
    """The service over `index_dir` (default: settings.index_dir).

    The index is opened once, at startup; a missing index fails startup with
    IndexNotFoundError, whose message says to run `docqa ingest`. A caller that has already
    opened the index (the CLI, to report errors before serving) passes it as `searcher`.
    """
    folder = index_dir or settings.index_dir

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = searcher
        if loaded is None:
            try:
                loaded = open_searcher(folder, settings)
            except IndexNotFoundError as error:
                logger.error("cannot start: %s", error)
                raise
        app.state.searcher = loaded
        app.state.documents = {doc.doc_id: doc for doc in loaded.data.documents}
        logger.info(
            "serving index %s: %d documents, %d chunks",
            loaded.version,
            len(loaded.data.documents),
            loaded.chunk_count,
        )
        yield

    app = FastAPI(
        title="docqa",
        summary="Bilingual (ES/EN) document-grounded question answering with exact citations",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    for module in (ask, health, documents, page):
        app.include_router(module.router)
    return app
