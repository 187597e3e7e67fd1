"""`GET /widget.js`: the embeddable search box, one script with the shared UI core inside."""

from fastapi import APIRouter
from fastapi.responses import Response

from docqa.service.web import FOLDER, STATIC, read

router = APIRouter(tags=["widget"])

# One function around both files, so core.js's names stay out of the host page's globals.
SCRIPT = "(() => {\n" + read(STATIC / "core.js") + "\n" + read(FOLDER / "widget.js") + "})();\n"


@router.get("/widget.js", include_in_schema=False)
def widget() -> Response:
    return Response(
        SCRIPT,
        media_type="text/javascript; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"},
    )
