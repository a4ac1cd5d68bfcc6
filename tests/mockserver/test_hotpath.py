"""The hot path (mockserver.http.hotpath) and the parse shortcuts: same answers, same journal, bounded.

Requests go through ``app.wsgi_app`` (the test client), which is the protocol endpoint in front of
Flask: the first of identical requests is answered in full, the next ones from the cache.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import spec
import spec.strategies
from mockserver import create_app
from mockserver.answers import Answer
from mockserver.errors import Rejected
from mockserver.http import hotpath, runtime
from mockserver.http.endpoint import ProtocolEndpoint
from mockserver.http.hotpath import AnswerCache, CachedAnswer
from mockserver.identity import parsing

from .conftest import DEMO, KEY, NOW

URL = "/api/v4/request"


def body_of(user: dict[str, Any]) -> bytes:
    return orjson.dumps({spec.CALL: {"user": user}})


def post(client: Any, raw: bytes, headers: dict[str, str] | None = None) -> Any:
    merged = {**KEY, "Content-Type": "application/json", **(headers or {})}
    return client.post(URL, data=raw, headers=merged)


def stats(app: Any) -> dict[str, int]:
    return dict(runtime.of(app).answers.stats())


# -- the plain request check is the schema, exactly -------------------------------------------
_TEXT = st.text(max_size=300) | st.sampled_from(["", "x" * 255, "x" * 256, "é" * 255, "é" * 256])
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
_ANY = _SCALARS | _TEXT | st.just([]) | st.just({})
_KIND = st.sampled_from(["evco-id", "rfid", "username", "token", "RFID", "email", ""]) | _ANY


@st.composite
def users(draw: st.DrawFn) -> Any:
    user: dict[str, Any] = {}
    for name, values in (("identifier-type", _KIND), ("identifier", _TEXT | _ANY), ("token", _TEXT | _ANY)):
        if draw(st.integers(0, 5)):  # mostly present
            user[name] = draw(values)
    if draw(st.booleans()):
        user[draw(st.text(min_size=1, max_size=8))] = draw(_ANY)
    return draw(st.sampled_from([user, user, user, [user], "user", None]))


calls = (
    users().map(lambda user: {"user": user})
    | spec.strategies.from_schema("request").map(lambda request: request[spec.CALL])
    | _ANY
    | st.fixed_dictionaries({"user": st.just(DEMO)}, optional={"extra": _ANY})
)


@settings(max_examples=600, deadline=None)
@given(calls)
def test_plain_check_accepts_exactly_what_the_schema_accepts(call: Any) -> None:
    body = {spec.CALL: call}
    found = spec.problems(body, "request", "strict")
    note(f"schema: {[p.as_dict() for p in found]}")
    assert parsing.plainly_valid(body) is (found == [])


def test_a_cached_parse_is_the_same_parse() -> None:
    parser = parsing.CachedParser(4)
    good, bad = body_of(DEMO), body_of({"identifier-type": "phone", "identifier": "x"})
    for _ in range(3):
        assert parser.parse(good) == parsing.parse(good)
        with pytest.raises(Rejected) as first:
            parser.parse(bad)
        with pytest.raises(Rejected) as direct:
            parsing.parse(bad)
        assert first.value is not direct.value
        assert (first.value.status, first.value.code, first.value.error) == (400, 230, direct.value.error)
        assert first.value.problems == direct.value.problems


# -- cache hits answer like Flask -------------------------------------------------------------
def _endpoint(app: Any) -> Any:
    """The protocol endpoint among the WSGI middleware in front of Flask (CORS, the admin token)."""
    found = app.wsgi_app
    while not isinstance(found, ProtocolEndpoint) and hasattr(found, "wsgi_app"):
        found = found.wsgi_app
    return found


def test_the_endpoint_is_installed_and_its_cache_can_be_switched_off() -> None:
    on = create_app({"MOCK_LOG_FORMAT": "off"})
    assert isinstance(_endpoint(on), ProtocolEndpoint)
    assert [post(on.test_client(), body_of(DEMO)).status_code for _ in range(2)] == [200, 200]
    assert stats(on)["hits"] == 1
    off = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_ANSWER_CACHE": False})
    assert isinstance(_endpoint(off), ProtocolEndpoint)
    client = off.test_client()
    assert [post(client, body_of(DEMO)).status_code for _ in range(2)] == [200, 200]
    assert stats(off)["entries"] == 0 and stats(off)["hits"] == 0


@pytest.mark.parametrize(
    ("raw", "headers", "expected"),
    [
        (body_of(DEMO), {}, (200, 0)),
        (body_of({**DEMO, "token": "wrong"}), {}, (200, 145)),
        (body_of({**DEMO, "identifier": "nobody@example.com"}), {}, (200, 144)),
        (body_of({"identifier-type": "phone", "identifier": "x"}), {}, (400, 230)),
        (b"{not json", {}, (400, 230)),
        (body_of(DEMO), {"Authorization": "key=wrong"}, (401, 210)),
        (body_of(DEMO), {"Content-Type": "text/plain"}, (415, 230)),
    ],
)
def test_a_hit_is_byte_identical_to_the_miss(
    app: Any, client: Any, raw: bytes, headers: dict[str, str], expected: tuple[int, int]
) -> None:
    first = post(client, raw, headers)
    assert stats(app)["entries"] == 1
    second = post(client, raw, headers)
    assert stats(app)["hits"] == 1
    assert (first.status_code, orjson.loads(first.data)["result"]["code"]) == expected
    assert (second.status_code, second.data) == (first.status_code, first.data)
    assert sorted(second.headers.items()) == sorted(first.headers.items())


def test_hits_are_journalled_and_logged_like_misses(config: dict[str, Any]) -> None:
    stream = io.StringIO()
    app = create_app({**config, "MOCK_LOG_FORMAT": "json", "MOCK_LOG_STREAM": stream})
    client = app.test_client()
    for _ in range(3):
        assert post(client, body_of(DEMO), {"X-Mock-Session": "hot-journal"}).status_code == 200
    assert stats(app)["hits"] == 2
    listed = client.get("/__mock/requests", headers={"X-Mock-Session": "hot-journal"}).get_json()
    assert listed["count"] == 3
    varying = {"id", "time", "duration_ms"}
    entries = [{k: v for k, v in e.items() if k not in varying} for e in listed["requests"]]
    assert entries[0] == entries[1] == entries[2]
    assert entries[0]["headers"]["Authorization"] == "key=<redacted>"
    assert entries[0]["identifier"] == DEMO["identifier"] and entries[0]["result"] == 0
    runtime.of(app).log.flush()
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()][:3]  # then the GET's line
    assert all(line["path"] == URL for line in lines)
    assert [{k: v for k, v in line.items() if k not in varying} for line in lines] == [
        {k: v for k, v in lines[0].items() if k not in varying}
    ] * 3


# -- what is never served from the cache ------------------------------------------------------
def test_a_scenario_header_is_never_cached(app: Any, client: Any) -> None:
    raw = body_of(DEMO)
    assert orjson.loads(post(client, raw).data)["result"]["code"] == 0
    for _ in range(2):
        answered = post(client, raw, {"X-Mock-Scenario": "result-102"})
        assert orjson.loads(answered.data)["result"]["code"] == 102
    assert orjson.loads(post(client, raw).data)["result"]["code"] == 0
    assert stats(app)["entries"] == 1


def test_a_scripted_step_wins_over_a_cached_answer(app: Any, client: Any) -> None:
    raw, session = body_of(DEMO), {"X-Mock-Session": "hot-script"}
    assert [orjson.loads(post(client, raw, session).data)["result"]["code"] for _ in range(2)] == [0, 0]
    sequence = [{"scenario": "result-101", "times": 2}]
    script = {"match": {"identifier": DEMO["identifier"]}, "sequence": sequence}
    assert client.post("/__mock/scenarios/script", json=script, headers=session).status_code == 201
    codes = [orjson.loads(post(client, raw, session).data)["result"]["code"] for _ in range(3)]
    assert codes == [101, 101, 0]
    journal = client.get("/__mock/requests", headers=session).get_json()["requests"]
    assert [e["result"] for e in journal] == [0, 101, 101, 0, 0]
    assert [e.get("script", {}).get("step") for e in journal[1:3]] == [1, 0]
    assert [e["scenario"] for e in journal[1:3]] == ["result-101", "result-101"]


def test_a_users_own_scenario_is_never_cached(tmp_path: Any, config: dict[str, Any]) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - id: slowpoke\n    identifiers: {rfid: AA01}\n    scenario: result-101\n")
    app = create_app({**config, "MOCK_USERS_FILE": str(users)})
    client = app.test_client()
    raw = body_of({"identifier-type": "rfid", "identifier": "AA01"})
    assert [orjson.loads(post(client, raw).data)["result"]["code"] for _ in range(3)] == [101, 101, 101]
    assert stats(app)["entries"] == 0


def test_the_clock_hour_is_part_of_the_key(config: dict[str, Any]) -> None:
    app = create_app({**config, "MOCK_NOW": None})
    client = app.test_client()
    raw = body_of(DEMO)
    now = datetime.now(UTC)
    fresh = post(client, raw).data
    cache: AnswerCache = runtime.of(app).answers
    (key,) = list(cache._items)
    assert key[-1] in (hotpath.hour(now), hotpath.hour(now) + 1)
    # An answer kept an hour ago is not served now: plant one and see it ignored.
    stale = CachedAnswer.of(Answer(200, b'{"stale": true}', 0), None)
    cache.clear()
    cache.keep((*key[:-1], key[-1] - 1), stale)
    assert post(client, raw).data == fresh


def test_pinned_clock_and_seed_change_the_answer(config: dict[str, Any]) -> None:
    raw = body_of(DEMO)

    def answer(**overrides: Any) -> bytes:
        client = create_app({**config, **overrides}).test_client()
        first = post(client, raw).data
        assert post(client, raw).data == first
        return bytes(first)

    base = answer()
    assert answer(MOCK_SEED=1) != base
    later = (datetime.fromisoformat(NOW) + timedelta(days=3)).isoformat()
    assert answer(MOCK_NOW=later) != base
    assert answer() == base


def test_large_and_odd_bodies_take_the_flask_path(app: Any, client: Any) -> None:
    padded = orjson.dumps({spec.CALL: {"user": DEMO, "padding": "x" * parsing.CACHED_BODY_BYTES}})
    for _ in range(2):
        assert orjson.loads(post(client, padded).data)["result"]["code"] == 0
    assert stats(app)["entries"] == 0
    empty = client.post(URL, data=b"", headers={**KEY, "Content-Type": "application/json"})
    assert empty.status_code == 400 and stats(app)["entries"] == 0


# -- memory stays bounded ---------------------------------------------------------------------
def test_the_cache_is_bounded_by_entries_and_bytes() -> None:
    cache = AnswerCache(entries=3, max_bytes=3000)

    def key(n: int) -> hotpath.Key:
        return ("/p", "key=k", "application/json", b"%d" % n, 1)

    for n in range(10):
        cache.keep(key(n), CachedAnswer.of(Answer(200, b"x" * 100, 0), None))
    assert [k[3] for k in cache._items] == [b"7", b"8", b"9"]
    assert cache.get(key(7)) is not None  # now the most recently used
    cache.keep(key(10), CachedAnswer.of(Answer(200, b"x" * 100, 0), None))
    assert [k[3] for k in cache._items] == [b"9", b"7", b"10"]
    cache.keep(key(11), CachedAnswer.of(Answer(200, b"y" * 1900, 0), None))
    assert cache.stats()["bytes"] <= 3000 and key(11) in cache._items
    cache.keep(key(12), CachedAnswer.of(Answer(200, b"z" * 5000, 0), None))  # larger than the whole cache
    assert key(12) not in cache._items and cache.stats()["bytes"] <= 3000


def test_many_users_never_grow_the_cache_past_its_size(config: dict[str, Any]) -> None:
    app = create_app({**config, "MOCK_ANY_USER": True, "MOCK_CACHE_SIZE": 8})
    client = app.test_client()
    for n in range(40):
        raw = body_of({"identifier-type": "rfid", "identifier": f"MEM{n:04d}"})
        assert post(client, raw).status_code == 200
        assert post(client, raw).status_code == 200
    assert stats(app)["entries"] == 8 and stats(app)["hits"] == 40
    assert runtime.of(app).parser._cached.cache_info().currsize == 8
