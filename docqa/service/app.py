"""The FastAPI application over a live index: loaded once at startup, swapped on reload."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from docqa.config import Settings
from docqa.index.base import IndexNotFoundError
from docqa.index.search import Searcher
from docqa.service import errors
from docqa.service.bodylimit import BodyLimit
from docqa.service.cors import AllowListCORS
from docqa.service.live import LiveIndex
from docqa.service.metrics import Metrics
from docqa.service.observe import Observe
from docqa.service.openapi import publish_limits
from docqa.service.ratelimit import RateLimit
from docqa.service.routers import admin, ask, docs, documents, health, metrics, page, widget
from docqa.service.schemas import BODY_TOO_LARGE, RATE_LIMITED
from docqa.service.unhandled import Unhandled
from docqa.service.web import STATIC

logger = logging.getLogger("docqa.service")

# Monitoring polls these; they are exempt from the rate limit (see ratelimit.EXEMPT).
UNLIMITED = (health, metrics)
LIMITED = (ask, documents, admin, page, widget, docs)


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
                loaded = Searcher.open(settings, folder)
            except IndexNotFoundError as error:
                logger.error("cannot start: %s", error)
                raise
        live = LiveIndex(folder, settings, loaded)
        app.state.live = live
        app.state.metrics.index.live = live
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
        responses=BODY_TOO_LARGE,
    )
    app.state.settings = settings
    publish_limits(app, settings)
    app.state.metrics = Metrics()
    errors.install(app)
    for module in UNLIMITED:
        app.include_router(module.router)
    for module in LIMITED:
        app.include_router(module.router, responses=RATE_LIMITED)
    mounts = {"/static": STATIC, docs.ASSETS: docs.ASSETS_DIR}
    for path, directory in mounts.items():
        app.mount(path, StaticFiles(directory=directory))
    routes = [
        app.openapi_url,
        *(route.path for module in UNLIMITED + LIMITED for route in module.router.routes),
        *(f"{path}/{{path:path}}" for path in mounts),
    ]
    # Added innermost first: Observe sees every response, and CORS headers reach a 429 or a 500.
    app.add_middleware(Unhandled)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, seconds=settings.body_timeout_seconds
    )
    app.add_middleware(
        RateLimit,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        keys=settings.api_keys,
    )
    app.add_middleware(AllowListCORS, origins=settings.cors_origins)
    app.add_middleware(Observe, metrics=app.state.metrics, routes=routes)
    return app
