"""`POST /admin/reload`: serve the newest index build now, guarded by DOCQA_ADMIN_API_KEY."""

from fastapi import APIRouter, Depends, HTTPException

from docqa.service.deps import LiveDep, require_admin
from docqa.service.live import ReloadError
from docqa.service.schemas import ErrorBody, ReloadResponse

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"model": ErrorBody, "description": "Missing or wrong X-API-Key"},
        403: {"model": ErrorBody, "description": "No admin key is configured"},
    },
)


# Plain `def`: loading a build takes a while and must not block the event loop.
@router.post(
    "/reload",
    responses={409: {"model": ErrorBody, "description": "Load failed; the old build is served"}},
)
def reload(live: LiveDep) -> ReloadResponse:
    """Load the build `<index>/CURRENT` names and swap it in once it is complete.

    Requests in flight finish on the build they started with; a build that fails to load
    leaves the current one in service, and the 409 says why.
    """
    try:
        outcome = live.reload()
    except ReloadError as error:
        raise HTTPException(status_code=409, detail=str(error)) from error
    return ReloadResponse(
        previous_version=outcome.previous_version,
        index_version=outcome.index_version,
        changed=outcome.changed,
        took_ms=outcome.took_ms,
    )
