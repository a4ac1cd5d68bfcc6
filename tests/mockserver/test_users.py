"""The user directory, magic values and the status mapping, through the protocol endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

import spec
from mockserver import create_app
from mockserver.errors import ConfigError
from mockserver.identity import magic, users

from .conftest import KEY, NOW

CASES = yaml.safe_load((Path(__file__).parent / "users_cases.yaml").read_text("utf-8"))


def _post(app: Any, user: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    body = {spec.CALL: {"user": user}}
    return app.test_client().post("/api/v4/request", json=body, headers={**KEY, **(headers or {})})


def _app(**config: Any) -> Any:
    return create_app({"MOCK_LOG_FORMAT": "off", "MOCK_NOW": NOW, **config})


@pytest.fixture(scope="module")
def apps() -> dict[bool, Any]:
    return {False: _app(), True: _app(MOCK_ANY_USER=True)}


def _user(case: dict[str, Any]) -> dict[str, Any]:
    identifier = "A" * case["identifier_length"] if "identifier_length" in case else case["identifier"]
    user = {"identifier-type": case["type"], "identifier": identifier}
    if "token" in case:
        user["token"] = case["token"]
    return user


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['type']}-{c.get('identifier', '')}-{c['code']}")
def test_who_gets_which_result(apps: dict[bool, Any], case: dict[str, Any]) -> None:
    response = _post(apps[bool(case.get("any_user"))], _user(case))
    body = orjson.loads(response.data)
    assert body["result"]["code"] == case["code"], body
    assert response.status_code == 200  # call-page mapping: every result-coded answer is 200
    assert spec.problems(body, "response", "strict") == []
    assert ("sessions" in body.get("user", {})) == (case["code"] == 0)


@pytest.mark.parametrize("entry", magic.MAGIC_VALUES, ids=lambda m: f"{m.field}:{m.value}")
@pytest.mark.parametrize("any_user", [False, True])
def test_magic_values(apps: dict[bool, Any], entry: magic.MagicValue, any_user: bool) -> None:
    if entry.field == "token-field":
        user = {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7", "token": entry.value}
    else:
        user = {"identifier-type": entry.field, "identifier": entry.value}
    body = orjson.loads(_post(apps[any_user], user).data)
    assert body["result"]["code"] == entry.outcome.code
    if entry.outcome.code == 0:
        sessions = body["user"]["sessions"]
        assert spec.problems(body, "response-success", "strict") == []
        assert spec.check_invariants(body) == []
        expected_count = {"none": 0, "many": 200}
        if entry.outcome.variant in expected_count:
            assert len(sessions) == expected_count[entry.outcome.variant]
        if entry.outcome.variant == "in-progress":
            assert "end" not in sessions[0]["session-interval"]
        if entry.outcome.variant == "never-charged":
            assert sessions[0]["charging-interval"] == {"start": None, "end": None}


@pytest.mark.parametrize(
    ("rfid", "call_page", "http"),
    [("DEAD0140", 200, 401), ("DEAD0144", 200, 404), ("DEAD0145", 200, 401), ("DEAD0100", 200, 500),
     ("DEAD0101", 200, 500), ("DEAD0102", 200, 504), ("04A2B3C4D5E6F7", 200, 200)],
)  # fmt: skip
def test_status_mapping(rfid: str, call_page: int, http: int) -> None:
    user = {"identifier-type": "rfid", "identifier": rfid}
    assert _post(_app(), user).status_code == call_page
    assert _post(_app(MOCK_STATUS_MAPPING="http"), user).status_code == http


def test_directory_scenario_applies_to_the_user() -> None:
    user = {"identifier-type": "username", "identifier": "tomasz.wojcik@example.pl"}
    user["token"] = "c0ffee00c0ffee00c0ffee00c0ffee00"
    body = orjson.loads(_post(_app(), user).data)
    assert "end" not in body["user"]["sessions"][0]["session-interval"]
    assert all(s["currency"] == "PLN" for s in body["user"]["sessions"][:1])


def test_header_scenario_beats_the_directory_scenario() -> None:
    user = {"identifier-type": "username", "identifier": "tomasz.wojcik@example.pl"}
    user["token"] = "c0ffee00c0ffee00c0ffee00c0ffee00"
    body = orjson.loads(_post(_app(), user, {"X-Mock-Scenario": "no-sessions"}).data)
    assert body["user"]["sessions"] == []


def test_directory_session_count_and_country() -> None:
    body = orjson.loads(_post(_app(), {"identifier-type": "rfid", "identifier": "0A1B2C3D"}).data)
    sessions = body["user"]["sessions"]
    assert len(sessions) == 8
    assert sum(s["currency"] == "SEK" for s in sessions) >= 4  # home country Sweden; some trips abroad


def test_one_user_one_history_whatever_the_identifier() -> None:
    app = _app()
    by_rfid = _post(app, {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}).data
    by_token = _post(app, {"identifier-type": "token", "identifier": "87d4e3085af04671834ebeb127df33bf"}).data
    assert by_rfid == by_token


USERS_FILE_ERRORS = [
    ("users: [", "cannot read users file"),
    ("people: []", "'users' list"),
    ("users: [{id: a, identifiers: {username: a@x}}]", "needs a token"),
    ("users: [{id: a, identifiers: {email: a@x}, token: t}]", "identifiers"),
    ("users: [{id: a, colour: red}]", "unknown keys"),
    ("users: [{id: a, identifiers: {rfid: AA}}, {id: b, identifiers: {rfid: AA}}]", "belongs to both"),
    ("users: [{id: a, identifiers: {rfid: AA}, scenario: explode}]", "unknown scenario"),
    ("users: [{id: a, identifiers: {rfid: AA}, country: XX}]", "country"),
    ("users: [{id: a, identifiers: {rfid: AA}, sessions: -1}]", "sessions"),
    ("users: [{identifiers: {rfid: AA}}]", "id"),
    ("users: [{id: a, identifiers: {rfid: AA}, recorded: missing.json}]", "users[0].recorded: cannot read"),
    ("users: [{id: a, identifiers: {rfid: AA}, recorded: 7}]", "users[0].recorded: a file name"),
]


@pytest.mark.parametrize(("text", "expected"), USERS_FILE_ERRORS)
def test_users_file_errors_name_the_file_and_entry(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        users.load(path, any_user=False)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_replacement_users_file(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users: [{id: qa, identifiers: {rfid: CAFE0001}, scenario: result-101}]", "utf-8")
    app = _app(MOCK_USERS_FILE=str(path))
    assert (
        orjson.loads(_post(app, {"identifier-type": "rfid", "identifier": "CAFE0001"}).data)["result"]["code"]
        == 101
    )
    demo = {"identifier-type": "rfid", "identifier": "04A2B3C4D5E6F7"}
    assert orjson.loads(_post(app, demo).data)["result"]["code"] == 140  # the default file is replaced


def test_every_identifier_type_of_the_schema_has_a_resolution_rule() -> None:
    assert set(users._RULES) == set(spec.IDENTIFIER_TYPES)
    assert "token" not in users.DIRECTORY_TYPES  # D11: a token identifies by the user's token


def test_a_recorded_user_is_answered_with_the_recorded_bytes(tmp_path: Path) -> None:
    recorded = b'{"result": {"code": 0, "message": "Success."},  "user": {"sessions": []}, "extra": 1}'
    (tmp_path / "ada.json").write_bytes(recorded)
    (tmp_path / "users.yaml").write_text(
        "users: [{id: ada, identifiers: {rfid: AA11}, recorded: ada.json}]", "utf-8"
    )
    app = _app(MOCK_USERS_FILE=str(tmp_path / "users.yaml"))
    assert _post(app, {"identifier-type": "rfid", "identifier": "AA11"}).data == recorded
    assert _post(app, {"identifier-type": "rfid", "identifier": "BB22"}).get_json()["result"]["code"] == 140
