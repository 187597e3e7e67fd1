"""`GET /health`: what is loaded and serving."""

from fastapi import APIRouter

from docqa.service.deps import SearcherDep
from docqa.service.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(searcher: SearcherDep) -> Health:
    return Health(
        status="ok",
        documents=len(searcher.data.documents),
        chunks=searcher.chunk_count,
        model=", ".join(e.model_id for e in searcher.embedders),
        embedders=[e.name for e in searcher.embedders],
        index_version=searcher.version,
        built_at=searcher.data.manifest.get("built_at"),
    )
