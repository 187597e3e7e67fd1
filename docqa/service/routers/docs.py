"""`GET /docs`: Swagger UI over /openapi.json, from a bundled copy so it works offline."""

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

router = APIRouter(include_in_schema=False)

# FastAPI's own /docs loads Swagger UI from a CDN, which an air-gapped machine cannot reach.
ASSETS = "/docs-assets"
ASSETS_DIR = swagger_ui_path


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="openapi.json",
        title="docqa API",
        swagger_js_url=f"{ASSETS.lstrip('/')}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS.lstrip('/')}/swagger-ui.css",
        swagger_favicon_url="static/icon.svg",
    )
