"""Hostile input the app meets in-process, where a real server cannot easily be made to send it: a JSON
answer below 500 and the internal-error counter unchanged. The same cases through real servers and raw
sockets are in test_hostile.py."""

from __future__ import annotations

import io

from flask import request

from mockserver import create_app
from mockserver.http import runtime


class ServerReaderError(OSError):
    """What a server's body reader raises for a body it cannot decode (gunicorn's are OSErrors)."""


class UndecodableInput(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise ServerReaderError("Invalid chunk size: b'zz'")


def test_a_body_the_server_cannot_decode_is_a_json_400_on_every_flask_path() -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off"})

    def echo() -> bytes:
        return request.get_data()

    app.add_url_rule("/echo", "echo", echo, methods=["POST"])
    client = app.test_client()
    for path in ("/echo", "/__mock/scenarios/script"):
        environ = {"wsgi.input": UndecodableInput(), "wsgi.input_terminated": True}
        response = client.post(path, environ_overrides=environ, content_type="application/json")
        assert response.status_code == 400, (path, response.data)
        body = response.get_json()
        assert "the body could not be read (ServerReaderError: Invalid chunk size" in body["error"]
        assert body["problems"][0]["path"] == "$"
    assert runtime.of(app).internal_errors == 0


def test_a_server_port_in_other_digits_is_no_port() -> None:
    """``"²".isdigit()`` is True and ``int("²")`` fails: a port is read in ASCII digits only. Without a
    Host header or a usable server address the ``servers`` URL is relative."""
    app = create_app({"MOCK_LOG_FORMAT": "off"})
    environ = {"SERVER_NAME": "mock.example", "SERVER_PORT": "²"}
    response = app.test_client().get("/openapi.json", headers={"Host": ""}, environ_overrides=environ)
    assert response.status_code == 200, response.data
    assert response.get_json()["servers"][0]["url"] == "/"
    assert runtime.of(app).internal_errors == 0
