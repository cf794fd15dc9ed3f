"""`GET /`: a short page for whoever opens the server's address in a browser, instead of a 404.

It names the API and says how to start a client against this server. It lives outside
`/api/v1` and outside the OpenAPI document: it is for people, not part of the protocol.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

# The page loads nothing from anywhere (no scripts, images, fonts or stylesheets); the
# policy says so to the browser too.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1b1b1f}code{background:#eef0f8;padding:.1rem .3rem;border-radius:4px}"
    "h1{color:#3f51b5}"
)


def root_page(*, base_url: str, api_prefix: str, docs_url: str | None, openapi_url: str | None) -> str:
    """The page's HTML. `base_url` comes from the request's Host header: everything is escaped."""
    base = escape(base_url.rstrip("/"))
    api = escape(api_prefix)
    docs: list[str] = []
    if docs_url:
        docs.append(f'<li>API documentation: <a href="{escape(docs_url)}">{escape(docs_url)}</a></li>')
    if openapi_url:
        docs.append(f'<li>OpenAPI document: <a href="{escape(openapi_url)}">{escape(openapi_url)}</a></li>')
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Ordo server</title><style>{_STYLE}</style></head><body>"
        "<h1>Ordo server</h1>"
        "<p>This is the central server of Ordo, offline-first work orders for field teams. "
        "It has no screens of its own: devices run the Ordo client and sync with it.</p>"
        "<h2>The API</h2><ul>"
        f"<li>API base: <code>{base}{api}</code></li>"
        f'<li>Health: <a href="{api}/health"><code>{api}/health</code></a></li>'
        f"{''.join(docs)}</ul>"
        "<h2>The client</h2>"
        "<p>The client is a separate program, on each device. To open it in a browser against "
        "this server, run on the device:</p>"
        f"<p><code>ordo run --web --server {base}</code></p>"
        "<p>and open the address it prints. For a whole demo (a seeded server and a client) "
        "on one machine: <code>ordo demo</code>.</p>"
        "</body></html>\n"
    )


def router_for(*, api_prefix: str) -> APIRouter:
    """The route, told where the API lives (server_stub.main owns the prefix)."""
    router = APIRouter()

    @router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def root(request: Request) -> HTMLResponse:
        app = request.app
        body = root_page(
            base_url=str(request.base_url),
            api_prefix=api_prefix,
            docs_url=app.docs_url if app.openapi_url else None,
            openapi_url=app.openapi_url,
        )
        # HEAD: Starlette sends the headers (length included) and drops the body.
        return HTMLResponse(body, headers=_HEADERS)

    return router
