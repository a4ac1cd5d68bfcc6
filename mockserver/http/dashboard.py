"""The QA dashboard at ``/__mock/ui``: one page, one stylesheet and one script, served as they are.

The files are package data (``static/``), read once with importlib.resources, so an installed wheel
serves them as a checkout does; there is no build step and nothing is fetched from elsewhere. The page
does everything through the admin API of docs/qa.md, as any client would: no endpoint exists for it
alone. Its Content-Security-Policy keeps it to itself (its own script and stylesheet, calls to its own
origin, no inline code), a second line of defence behind the page's rule of inserting every value of
the journal as text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from flask import Flask, Response, abort, request

PAGE_PATH = "/__mock/ui"
PAGE = "dashboard.html"
ASSETS = {"dashboard.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"}
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def init_app(app: Flask) -> None:
    app.add_url_rule(PAGE_PATH, "dashboard", page, methods=["GET"])
    app.add_url_rule(f"{PAGE_PATH}/", "dashboard_slash", to_page, methods=["GET"])
    app.add_url_rule(f"{PAGE_PATH}/<name>", "dashboard_asset", asset, methods=["GET"])


@cache
def _read(name: str) -> bytes:
    return (resources.files("mockserver.http") / "static" / name).read_bytes()


def _served(name: str, content_type: str) -> Response:
    headers = {
        "Content-Security-Policy": POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
    return Response(_read(name), 200, headers=headers, content_type=content_type)


def page() -> Response:
    return _served(PAGE, "text/html; charset=utf-8")


def to_page() -> Response:
    """``/__mock/ui/`` (a URL typed with its slash): the page, at the address its links are relative to."""
    query = request.query_string.decode("latin-1")
    location = f"{request.script_root}{PAGE_PATH}" + (f"?{query}" if query else "")
    return Response(status=308, headers={"Location": location})


def asset(name: str) -> Response:
    """The stylesheet or the script; any other name is a 404 in the admin API's shape."""
    if name not in ASSETS:
        abort(404)
    return _served(name, ASSETS[name])
