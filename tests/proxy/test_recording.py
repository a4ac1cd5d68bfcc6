"""Record in proxy mode, then replay with the mock alone: the same bytes, and no secret on disk."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
import yaml

from mockserver.data.countries import COUNTRIES
from mockserver.serving.process import start_mock
from tests.contract.conftest import reference_server
from tests.proxy.test_proxy import ADA, API_KEY, USERS, envelope, post, proxy

pytestmark = pytest.mark.slow

RECORDED = [ADA, *USERS[1:]]  # every identifier-type the reference server has


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with reference_server() as url:
        yield url


def record(reference: str, directory: Path, *args: str) -> dict[str, bytes]:
    """Ask the proxy (recording into ``directory``) for each user; the upstream's answers by identifier."""
    said = {}
    with proxy(reference, "--record", str(directory), *args) as server:
        for user in RECORDED:
            reply = post(server.base, envelope(user))
            assert reply.status == 200, reply.body
            said[user["identifier"]] = reply.body
    return said


def recorded_users(directory: Path) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = yaml.safe_load((directory / "users.yaml").read_text("utf-8"))["users"]
    return users


def replay_request(user: dict[str, Any]) -> bytes:
    """The request for a recorded user, with the identifier and the generated token users.yaml names."""
    if user["identifiers"]:
        ((kind, identifier),) = user["identifiers"].items()
        sent = {"identifier-type": kind, "identifier": identifier, "token": user.get("token")}
    else:
        sent = {"identifier-type": "token", "identifier": user["token"]}
    return envelope(sent)


def every_file(directory: Path) -> str:
    return "\n".join(path.read_text("utf-8", "replace") for path in directory.rglob("*") if path.is_file())


def secrets_in(text: str) -> list[str]:
    tokens = [user["token"] for user in USERS if user.get("token")]
    token_ids = [user["identifier"] for user in USERS if user["identifier-type"] == "token"]
    return [secret for secret in [API_KEY, *tokens, *token_ids] if secret in text]


def test_record_then_replay_gives_the_recorded_bytes(reference: str, tmp_path: Path) -> None:
    directory = tmp_path / "world"
    said = record(reference, directory)
    users = recorded_users(directory)
    assert len(users) == len(RECORDED)
    assert secrets_in(every_file(directory)) == []
    with start_mock(["--users", str(directory / "users.yaml"), "--port", "0", "--log-format", "off"]) as mock:
        replayed = {}
        for user in users:
            reply = post(mock.base, replay_request(user), {"Authorization": "key=demo-key"})
            assert reply.status == 200, reply.body
            replayed[next(iter(user["identifiers"].values()), "the token user")] = reply.body
    for user in RECORDED:
        if user["identifier-type"] != "token":  # the token user is found by its generated token
            assert replayed[user["identifier"]] == said[user["identifier"]]
    assert sorted(replayed.values()) == sorted(said.values())


def test_a_recorded_user_still_takes_data_scenarios(reference: str, tmp_path: Path) -> None:
    directory = tmp_path / "world"
    said = record(reference, directory)
    (ada,) = [u for u in recorded_users(directory) if u["identifiers"].get("username") == ADA["identifier"]]
    with start_mock(["--users", str(directory / "users.yaml"), "--port", "0", "--log-format", "off"]) as mock:
        headers = {"Authorization": "key=demo-key", "X-Mock-Scenario": "zero-cost"}
        reply = post(mock.base, replay_request(ada), headers)
    real = orjson.loads(said[ADA["identifier"]])["user"]["sessions"]
    shaped = orjson.loads(reply.body)["user"]["sessions"]
    assert [s["external-session-id"] for s in shaped] == [s["external-session-id"] for s in real]
    assert {s["cost"] for s in shaped} == {"0.00"}


def test_anonymise_replaces_identifiers_addresses_and_external_ids(reference: str, tmp_path: Path) -> None:
    directory = tmp_path / "world"
    said = record(reference, directory, "--anonymise")
    text = every_file(directory)
    assert secrets_in(text) == []
    real = [orjson.loads(body)["user"]["sessions"] for body in said.values()]
    for sessions in real:
        for session in sessions:
            assert session["external-session-id"] not in text
            if "address" in session:
                assert session["address"] not in text
    for user in RECORDED:
        assert user["identifier"] not in text
    users = recorded_users(directory)
    with start_mock(["--users", str(directory / "users.yaml"), "--port", "0", "--log-format", "off"]) as mock:
        for user in users:
            reply = post(mock.base, replay_request(user), {"Authorization": "key=demo-key"})
            assert reply.body == (directory / user["recorded"]).read_bytes()


# Upstream users (a mock with its own directory) with long histories in countries that share a currency
UPSTREAM_USERS = [
    {"id": code.lower(), "name": code, "identifiers": {"username": f"{code.lower()}@example.com"},
     "token": f"{index:032x}", "country": code, "sessions": 30}
    for index, code in enumerate(("DE", "NL", "FI", "PT", "SE"), start=1)
]  # fmt: skip


def test_anonymise_keeps_each_station_at_one_address_in_its_sessions_country(tmp_path: Path) -> None:
    """Anonymised addresses name the country the session's currency and UTC offset say, and every
    session at one charging station gets the same address."""
    users = tmp_path / "upstream-users.yaml"
    users.write_text(yaml.safe_dump({"users": UPSTREAM_USERS}), "utf-8")
    directory = tmp_path / "world"
    upstream_args = ["--users", str(users), "--seed", "3", "--now", "2024-12-10T12:00:00+00:00"]
    with (
        start_mock([*upstream_args, "--port", "0", "--log-format", "off"]) as upstream,
        proxy(upstream.base, "--record", str(directory), "--anonymise") as server,
    ):
        for user in UPSTREAM_USERS:
            sent = {"identifier-type": "username", "identifier": user["identifiers"]["username"]}
            reply = post(
                server.base, envelope({**sent, "token": user["token"]}), {"Authorization": "key=demo-key"}
            )
            assert reply.status == 200, reply.body
    by_name = {country.name: country for country in COUNTRIES.values()}
    addresses: dict[int, set[str]] = {}
    checked = 0
    for path in (directory / "histories").glob("*.json"):
        for session in orjson.loads(path.read_bytes())["user"]["sessions"]:
            if not session.get("address"):
                continue
            country = by_name[session["address"].rsplit(", ", 1)[1]]
            assert session["currency"] == country.currency, session
            start = datetime.fromisoformat(session["session-interval"]["start"])
            assert start.utcoffset() == start.astimezone(ZoneInfo(country.tz)).utcoffset(), session
            if session.get("charging-station-id"):
                addresses.setdefault(session["charging-station-id"], set()).add(session["address"])
            checked += 1
    assert checked > 100
    assert {station: found for station, found in addresses.items() if len(found) > 1} == {}


def test_a_directory_that_cannot_be_written_is_logged_and_traffic_goes_on(
    reference: str, tmp_path: Path
) -> None:
    world = tmp_path / "world"  # writable at start (an unwritable one is refused then), not afterwards
    with proxy(reference, "--record", str(world), "--log-format", "json") as server:
        shutil.rmtree(world)
        world.write_text("a file where the recordings were to go", "utf-8")
        reply = post(server.base, envelope(ADA))
        assert reply.status == 200
        deadline = time.monotonic() + 30  # the request log is written in batches
        while '"event":"record-failed"' not in server.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert '"event":"record-failed"' in server.stderr()
