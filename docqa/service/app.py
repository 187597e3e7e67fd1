"""The FastAPI application over a live index: loaded once at startup, swapped on reload."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from docqa.config import Settings
from docqa.index.loader import open_searcher
from docqa.index.search import Searcher
from docqa.index.store import IndexNotFoundError
from docqa.service import errors
from docqa.service.cors import AllowListCORS
from docqa.service.live import LiveIndex
from docqa.service.routers import admin, ask, docs, documents, health, page, widget
from docqa.service.web import STATIC

logger = logging.getLogger("docqa.service")


def create_app(
    settings: Settings, index_dir: Path | None = None, *, searcher: Searcher | None = None
) -> FastAPI:
    """The service over `index_dir` (default: settings.index_dir).

    The index is opened once, at startup; a missing index fails startup with
    IndexNotFoundError, whose message says to run `docqa ingest`. A caller that has already
    opened the index (the CLI, to report errors before serving) passes it as `searcher`.
    A newer build is served after POST /admin/reload, or by itself within
    settings.reload_poll_seconds of `docqa ingest` switching CURRENT to it.
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
        live = LiveIndex(folder, settings, loaded)
        app.state.live = live
        logger.info(
            "serving index %s: %d documents, %d chunks",
            loaded.version,
            len(live.current.documents),
            loaded.chunk_count,
        )
        watch = None
        if settings.reload_poll_seconds > 0:
            watch = asyncio.create_task(live.watch(settings.reload_poll_seconds))
        yield
        if watch is not None:
            watch.cancel()
            with suppress(asyncio.CancelledError):
                await watch

    app = FastAPI(
        title="docqa",
        summary="Bilingual (ES/EN) document-grounded question answering with exact citations",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(AllowListCORS, origins=settings.cors_origins)
    for module in (ask, health, documents, admin, page, widget, docs):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount(docs.ASSETS, StaticFiles(directory=docs.ASSETS_DIR), name="docs-assets")
    return app
