"""The benchmark's baseline: a bare Flask app answering every POST with the same fixed bytes.

It runs on the mock's own server stack (``bench/run.py`` serves it with ``mockserver.serve``), so the
ratio mock / baseline measures what the mock adds on top of Flask and gunicorn, nothing else.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response

EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "examples"


def create_app(body: bytes | None = None) -> Flask:
    """A Flask app whose protocol path answers ``body`` (default: a document example) to every POST."""
    fixed = body if body is not None else _example()
    app = Flask("baseline")

    def protocol() -> Response:
        return Response(fixed, 200, content_type="application/json")

    app.add_url_rule("/api/v4/request", "protocol", protocol, methods=["POST"])
    return app


def _example() -> bytes:
    found = sorted(EXAMPLE.glob("*response*success*.json")) or sorted(EXAMPLE.glob("*.json"))
    return found[0].read_bytes() if found else b'{"result": {"code": 0, "message": "Success."}}'
