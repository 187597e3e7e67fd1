"""`GET /health`: what is loaded and serving."""

from fastapi import APIRouter

from docqa.service.deps import LiveDep
from docqa.service.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(live: LiveDep) -> Health:
    searcher = live.current.searcher
    return Health(
        status="ok",
        documents=len(searcher.data.documents),
        chunks=searcher.chunk_count,
        model=", ".join(e.model_id for e in searcher.embedders),
        embedders=[e.name for e in searcher.embedders],
        backend=searcher.data.manifest.backend,
        location=live.backend.location,
        index_version=searcher.version,
        built_at=searcher.data.manifest.built_at,
        last_reload_error=live.last_error,
    )
