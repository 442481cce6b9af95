"""Interactive API docs (Swagger UI) served from the vendored files, so `/docs` works without internet.

FastAPI's built-in `/docs` and `/redoc` load their scripts from a CDN; `create_app` turns both off and
includes this router instead. ReDoc is not offered at all. The OpenAPI schema is served here too, because
FastAPI's own `/openapi.json` route cannot require signing in like the rest of the app.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse, JSONResponse

from hotdash.web.headers import policy_allowing

SWAGGER_UI = "vendor/swagger-ui"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"
OPENAPI_PATH = "/openapi.json"

router = APIRouter(include_in_schema=False)


def _static_path(request: Request, name: str) -> str:
    # A path, not an absolute URL: the page must never name a host, and the path follows a proxy's root_path.
    return request.url_for("static", path=f"{SWAGGER_UI}/{name}").path


@router.get("/docs", response_class=HTMLResponse, name="swagger_ui")
def swagger_ui(request: Request) -> HTMLResponse:
    """Return the Swagger UI page for this app's OpenAPI schema."""
    app: FastAPI = request.app
    root_path: str = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(
        openapi_url=request.url_for("openapi_schema").path,
        title=f"{app.title} API",
        swagger_js_url=_static_path(request, "swagger-ui-bundle.js"),
        swagger_css_url=_static_path(request, "swagger-ui.css"),
        swagger_favicon_url=_static_path(request, "favicon-32x32.png"),
        oauth2_redirect_url=root_path + OAUTH2_REDIRECT_PATH,
        # Swagger UI's default validator badge would send the schema's URL to validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    # Swagger UI starts from an inline script, which the app-wide policy refuses: allow that one by its hash.
    page.headers["Content-Security-Policy"] = policy_allowing(bytes(page.body).decode())
    return page


@router.get(OPENAPI_PATH, name="openapi_schema")
def openapi_schema(request: Request) -> JSONResponse:
    """Return the app's OpenAPI schema, naming a proxy's path prefix as its server as FastAPI's route does."""
    app: FastAPI = request.app
    schema = app.openapi()
    root_path: str = request.scope.get("root_path", "").rstrip("/")
    if root_path and app.root_path_in_servers:
        servers = schema.get("servers", [])
        if root_path not in {server.get("url") for server in servers}:
            schema = {**schema, "servers": [{"url": root_path}, *servers]}
    return JSONResponse(schema)


@router.get(OAUTH2_REDIRECT_PATH, response_class=HTMLResponse, name="swagger_ui_oauth2_redirect")
def swagger_ui_oauth2_redirect() -> HTMLResponse:
    """Return the page an OAuth2 provider sends the browser back to after "Authorize" in Swagger UI."""
    page = get_swagger_ui_oauth2_redirect_html()
    page.headers["Content-Security-Policy"] = policy_allowing(bytes(page.body).decode())
    return page
