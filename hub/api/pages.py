"""The web pages (console, demo shop, widget) and the front-end's npm dependencies."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from hub.errors import NotFound
from hub.services import services

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
# Files served from node_modules, by the URL name the pages use.
VENDOR = {
    "socket.io.min.js": Path("socket.io-client") / "dist" / "socket.io.min.js",
    "chart.umd.js": Path("chart.js") / "dist" / "chart.umd.js",
}


# Pages run no inline code and load nothing from elsewhere; the widget page may be framed
# by nobody, the console neither. Images may be blob: URLs: files fetched with a token in a
# header (never in a URL) and shown from memory.
PAGE_CSP = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
    "style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _page(name: str) -> web.FileResponse:
    response = web.FileResponse(STATIC / name)
    response.headers["Cache-Control"] = "no-cache"
    if name.endswith(".html"):
        response.headers["Content-Security-Policy"] = PAGE_CSP
        response.headers["X-Frame-Options"] = "DENY"
    return response


async def console_page(_request: web.Request) -> web.FileResponse:
    return _page("console.html")


async def chat_page(_request: web.Request) -> web.FileResponse:
    return _page("chat.html")


async def verify_page(_request: web.Request) -> web.FileResponse:
    """Where an e-mail verification link lands; the token stays in the URL fragment."""
    return _page("verify.html")


async def book_page(_request: web.Request) -> web.FileResponse:
    """Booking and the manage link's page; a manage token stays in the URL fragment."""
    return _page("book.html")


async def rate_page(_request: web.Request) -> web.FileResponse:
    """Where a rating link lands; its token stays in the URL fragment."""
    return _page("rate.html")


async def invite_page(_request: web.Request) -> web.FileResponse:
    """Where a staff invitation link lands; its token stays in the URL fragment."""
    return _page("invite.html")


async def widget_script(_request: web.Request) -> web.FileResponse:
    return _page("widget.js")


async def index(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


async def vendor_file(request: web.Request) -> web.FileResponse:
    relative = VENDOR.get(request.match_info["name"])
    if relative is None:
        raise NotFound("no such file")
    path = services(request).settings.vendor_dir / relative
    if not path.is_file():
        raise NotFound(f"front-end dependency missing: run `npm ci` ({relative})")
    response = web.FileResponse(path)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# The widget runs on shop sites as an ES module; module scripts from another origin need
# CORS. These files are public code without credentials, so any origin may load them.
SHAREABLE = (
    "/widget.js",
    "/static/widget.js",
    "/static/widget.css",
    "/static/widget/",
    "/static/shared/",
    "/static/i18n/",
    "/static/vendor/",
)


async def allow_cross_origin_modules(request: web.Request, response: web.StreamResponse) -> None:
    if request.method in ("GET", "HEAD") and request.path.startswith(SHAREABLE):
        response.headers["Access-Control-Allow-Origin"] = "*"


def add_routes(app: web.Application) -> None:
    app.on_response_prepare.append(allow_cross_origin_modules)
    app.router.add_get("/", index)
    app.router.add_get("/console", console_page)
    app.router.add_get("/chat", chat_page)
    app.router.add_get("/verify", verify_page)
    app.router.add_get("/book", book_page)
    app.router.add_get("/rate", rate_page)
    app.router.add_get("/invite", invite_page)
    app.router.add_get("/widget.js", widget_script)
    app.router.add_get("/static/vendor/{name}", vendor_file)
    app.router.add_static("/static", STATIC, append_version=False)
