"""`GET /` and `GET /view/{doc_id}`: the search page and the document view, for people."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from docqa.service.deps import SnapshotDep
from docqa.service.web import page

router = APIRouter(tags=["page"])

SEARCH_PAGE = page("search.html", "page.js", root="./")
VIEW_PAGE = page("view.html", "view.js", root="../")
# Scripts only from this service, no inline code: even text that slipped into markup could
# not run. Styles likewise; fetches go to this service only.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def search_page() -> HTMLResponse:
    return HTMLResponse(SEARCH_PAGE, headers=HEADERS)


@router.get("/view/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document_view(doc_id: str, index: SnapshotDep) -> HTMLResponse:
    """The page loads the text itself; the status tells the browser whether doc_id exists."""
    status = 200 if doc_id in index.documents else 404
    return HTMLResponse(VIEW_PAGE, status_code=status, headers=HEADERS)
