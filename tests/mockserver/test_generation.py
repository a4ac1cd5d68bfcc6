"""Generated histories: valid (strict + invariants), realistic, deterministic."""

from __future__ import annotations

import itertools
import os
import random
import string
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import faker.config
import orjson
import pytest
from faker import Faker
from hypothesis import given, note, settings
from hypothesis import strategies as st

import spec
from mockserver import create_app
from mockserver.data import generation
from mockserver.data.countries import COUNTRIES, HOP_GAP
from mockserver.data.generation import OPTIONAL_FIELDS, VARIANTS, Generator
from mockserver.identity.users import PLAUSIBLE
from mockserver.serving.process import start_mock

from .conftest import KEY

ANCHOR = datetime(2024, 6, 23, 16, 0, tzinfo=UTC)
BY_NAME = {country.name: country for country in COUNTRIES.values()}
TYPES = ("username", "rfid", "evco-id", "token")


def random_identifier(rng: random.Random, kind: str) -> str:
    """Identifiers of the shapes seen in the wild (oioi-transport.md), plus arbitrary text."""
    if rng.random() < 0.1:
        alphabet = string.printable + "äöüßłøéñ漢字"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
    if kind == "rfid":
        return "".join(rng.choice("0123456789ABCDEF") for _ in range(rng.choice((8, 14, 20))))
    if kind == "evco-id":
        digits = "".join(rng.choice(string.digits) for _ in range(9))
        country, provider = rng.choice(["DE", "NL", "SE", "FR"]), rng.choice(["8PS", "ABC", "TNM"])
        return f"{country}*{provider}*{digits}*{rng.randint(0, 9)}"
    if kind == "token":
        return "".join(rng.choice("0123456789abcdef") for _ in range(32))
    name = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12)))
    return f"{name}@example.{rng.choice(['com', 'de', 'se'])}"


def valid(body: Any) -> list[spec.Problem]:
    return spec.problems(body, "response-success", "strict") + spec.check_invariants(body)


def test_ten_thousand_histories_are_valid_and_repeat_byte_identical() -> None:
    """10,000 identifiers of every type: valid histories, and a fresh generator (a restart) repeats them."""
    rng = random.Random(20240623)
    first, again = Generator(seed=0, cache_size=0), Generator(seed=0, cache_size=0)
    success = spec.validator("response-success", "strict")
    for index in range(10_000):
        kind = TYPES[index % 4]
        key = f"{kind}:{random_identifier(rng, kind)}"
        body = first.body(key, ANCHOR, "normal", None, None)
        parsed = orjson.loads(body)
        if not success.is_valid(parsed) or spec.check_invariants(parsed):
            pytest.fail(f"{key}: {valid(parsed)}")
        if index % 10 == 0:  # a tenth is regenerated from scratch, as after a restart
            assert again.body(key, ANCHOR, "normal", None, None) == body, key


def test_any_user_http_sample_is_valid_and_repeats() -> None:
    app = create_app(
        {"MOCK_LOG_FORMAT": "off", "MOCK_ANY_USER": True, "MOCK_NOW": "2024-06-23T18:00:00+02:00"}
    )
    client = app.test_client()
    rng = random.Random(7)
    for index in range(400):
        kind = TYPES[index % 4]
        user = {"identifier-type": kind, "identifier": random_identifier(rng, kind)}
        if kind == "username" or rng.random() < 0.3:
            user["token"] = random_identifier(rng, "token")
        request = {"json": {spec.CALL: {"user": user}}, "headers": KEY}
        response = client.post("/api/v4/request", **request)
        body = orjson.loads(response.data)
        assert client.post("/api/v4/request", **request).data == response.data
        if PLAUSIBLE[kind].fullmatch(user["identifier"]) is None:  # D13: a user that could not exist
            assert body["result"]["code"] == (144 if kind == "username" else 140), (user, body)
            continue
        assert response.status_code == 200
        assert body["result"]["code"] == 0, (user, body)
        assert valid(body) == []


@pytest.mark.parametrize(
    ("kind", "identifier", "invented"),
    [
        ("username", "ada@example.org", True),
        ("username", "ada.lovelace", True),
        ("username", "ünïcødé@example.org", False),
        ("username", "   ", False),
        ("username", "' OR '1'='1", False),
        ("username", "../../etc/passwd", False),
        ("rfid", "04A1B2C3D4E5F6", True),
        ("rfid", "SLOW1", True),
        ("rfid", "04A1B2C3D4E5F²", False),  # "²".isdigit() is True
        ("rfid", "a\u0000b", False),
        ("evco-id", "DE*8PS*156456730*9", True),
        ("evco-id", "DE-8PS-156456730-9", True),
        ("evco-id", "DE**8PS", False),
        ("evco-id", "\u202eresu", False),
        ("token", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", True),
        ("token", "dG9rZW4=", True),
        ("token", "🔌⚡🚗", False),
    ],
)
def test_any_user_invents_only_identifiers_of_their_form(kind: str, identifier: str, invented: bool) -> None:
    app = create_app({"MOCK_LOG_FORMAT": "off", "MOCK_ANY_USER": True, "MOCK_USERS_FILE": None})
    user = {"identifier-type": kind, "identifier": identifier, "token": "0f1e2d3c"}
    code = app.test_client().post("/api/v4/request", json={spec.CALL: {"user": user}}, headers=KEY).json
    assert code is not None
    assert (code["result"]["code"] == 0) is invented, code


@pytest.fixture(scope="module")
def population() -> list[dict[str, Any]]:
    gen = Generator(seed=3)
    sessions: list[dict[str, Any]] = []
    for index in range(300):
        sessions += gen.sessions(f"rfid:{index:08X}", ANCHOR)
    return sessions


def test_times_use_the_offset_of_the_sessions_country(population: list[dict[str, Any]]) -> None:
    checked = 0
    for session in population:
        if not session.get("address"):
            continue
        country = BY_NAME[session["address"].rsplit(", ", 1)[1]]
        assert session["currency"] == country.currency
        start = session["session-interval"].get("start")
        if start:
            moment = datetime.fromisoformat(start)
            assert moment.utcoffset() == moment.astimezone(ZoneInfo(country.tz)).utcoffset()
            checked += 1
    assert checked > 1000


def test_sessions_are_recent_newest_first_and_requested_shortly_before(
    population: list[dict[str, Any]],
) -> None:
    gen = Generator(seed=3)
    for index in range(50):
        starts = [
            datetime.fromisoformat(s["session-interval"]["start"])
            for s in gen.sessions(f"rfid:{index:08X}", ANCHOR)
            if s["session-interval"].get("start")
        ]
        assert starts == sorted(starts, reverse=True)
        assert all(ANCHOR - timedelta(days=400) < start < ANCHOR for start in starts)
    for session in population:
        sent, start = session.get("request-sent"), session["session-interval"].get("start")
        if sent and start:
            gap = datetime.fromisoformat(start) - datetime.fromisoformat(sent)
            assert timedelta(seconds=5) <= gap <= timedelta(minutes=4)


def test_population_has_the_documented_variety(population: list[dict[str, Any]]) -> None:
    never_charged = [s for s in population if s["charging-interval"].get("start") is None]
    assert never_charged and all((s.get("energy-consumed") or 0) < 0.1 for s in never_charged)
    for field in OPTIONAL_FIELDS:
        assert any(field in s and s[field] is None for s in population), f"{field} never null"
        assert any(field not in s for s in population), f"{field} never omitted"
    assert {s["currency"] for s in population} >= {
        "EUR",
        "SEK",
        "NOK",
        "DKK",
        "GBP",
        "CHF",
        "PLN",
        "CZK",
        "HUF",
    }
    assert all(Decimal(s["cost"]) >= 0 and s["cost"] == f"{Decimal(s['cost']):.2f}" for s in population)
    assert len({s["external-session-id"] for s in population if s.get("external-session-id")}) > 1000


def test_in_progress_sessions_occur_naturally_near_the_clock() -> None:
    gen = Generator(seed=0)
    found = 0
    for index in range(150):
        sessions = gen.sessions(f"token:{index}", ANCHOR)
        found += any(
            "end" not in s["session-interval"] or s["session-interval"]["end"] is None for s in sessions
        )
    assert found > 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_is_valid(variant: str) -> None:
    gen = Generator(seed=1)
    for index in range(20):
        body = orjson.loads(gen.body(f"username:u{index}@example.com", ANCHOR, variant, None, None))
        assert valid(body) == []
        sessions = body["user"]["sessions"]
        assert VARIANT_CHECKS[variant](sessions), sessions


def _non_ascii(text: Any) -> bool:
    return isinstance(text, str) and any(ord(ch) > 127 for ch in text)


VARIANT_CHECKS = {
    "normal": lambda s: len(s) >= 1,
    "none": lambda s: s == [],
    "many": lambda s: len(s) == 200,
    "null": lambda s: all(
        all(x[f] is None for f in OPTIONAL_FIELDS) and x["session-interval"] == {"start": None, "end": None}
        for x in s
    ),
    "omitted": lambda s: all(not set(OPTIONAL_FIELDS) & set(x) and x["session-interval"] == {} for x in s),
    "in-progress": lambda s: "end" not in s[0]["session-interval"] and s[0]["session-interval"]["start"],
    "never-charged": lambda s: s[0]["charging-interval"] == {"start": None, "end": None},
    "zero-cost": lambda s: all(x["cost"] == "0.00" for x in s),
    "non-ascii": lambda s: all(_non_ascii(x["address"]) for x in s),
}


def test_seed_and_clock_change_the_world() -> None:
    key = "rfid:04A2B3C4"
    base = Generator(seed=0).body(key, ANCHOR, "normal", None, None)
    assert Generator(seed=1).body(key, ANCHOR, "normal", None, None) != base
    assert Generator(seed=0).body(key, ANCHOR + timedelta(days=30), "normal", None, None) != base


def test_history_is_stable_as_the_clock_moves() -> None:
    """An hour later the user has the same past: sessions that ended before are unchanged."""
    gen = Generator(seed=0)
    for index in range(30):
        key = f"evco-id:DE*ABC*{index:09d}*0"
        earlier = gen.sessions(key, ANCHOR, count=50)
        later = gen.sessions(key, ANCHOR + timedelta(hours=1), count=50)
        finished = [s for s in earlier if s["session-interval"].get("end")][:10]
        assert all(s in later for s in finished)


_PRINT_BODIES = """
import hashlib, sys
from datetime import datetime, UTC
from mockserver.data.generation import Generator
gen = Generator(seed=0)
anchor = datetime(2024, 6, 23, 16, tzinfo=UTC)
digest = hashlib.sha256()
for index in range(150):
    for variant in ("normal", "non-ascii"):
        digest.update(gen.body(f"rfid:{index:08X}", anchor, variant, None, None))
print(digest.hexdigest())
"""


def test_bodies_do_not_depend_on_the_hash_seed() -> None:
    """Python randomises str hashes per process; nothing generated may depend on set order."""

    def run(hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", _PRINT_BODIES],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run("1") == run("2")


# --- one driver's history -------------------------------------------------------------------------

# Clocks across the year: summer, winter, and just after each change of summer time.
CLOCKS = (
    ANCHOR,
    datetime(2024, 12, 10, 12, 0, tzinfo=UTC),
    datetime(2024, 4, 2, 6, 0, tzinfo=UTC),
    datetime(2024, 10, 28, 9, 0, tzinfo=UTC),
)
SEEDS = (0, 3, 7, 2024)


def country_of(session: dict[str, Any]) -> str | None:
    """The country a generated address names (the last part), None without an address."""
    address = session.get("address")
    return BY_NAME[address.rsplit(", ", 1)[1]].code if address else None


def one_drivers_problems(sessions: list[dict[str, Any]]) -> list[str]:
    """What in a history one person could not have done: two sessions at once, an ongoing session
    that is not the latest, a session in another country sooner than HOP_GAP after the last ended."""
    spans = []
    for session in sessions:
        interval = session["session-interval"]
        start = datetime.fromisoformat(interval["start"])
        end = datetime.fromisoformat(interval["end"]) if interval.get("end") else None
        spans.append((start, end, country_of(session)))
    spans.sort(key=lambda span: span[0])
    problems = []
    for (start, end, _), (later, _, _) in itertools.pairwise(spans):
        if end is None:
            problems.append(f"ongoing since {start} but another session starts at {later}")
        elif later < end:
            problems.append(f"{start}..{end} overlaps the session starting {later}")
    placed = [span for span in spans if span[2] is not None]
    for (_, end, country), (later, _, there) in itertools.pairwise(placed):
        if end is not None and country != there and (later - end).total_seconds() < HOP_GAP:
            problems.append(f"{country} until {end}, {there} at {later}")
    return problems


@pytest.fixture(scope="module")
def lives() -> list[tuple[str, int, list[dict[str, Any]]]]:
    """(home country, seed, sessions) of 150 any-user users under each seed and clock, and of
    longer histories (60 sessions) of 40 users per seed."""
    found = []
    for seed in SEEDS:
        gen = Generator(seed=seed, cache_size=0)
        for clock in CLOCKS:
            for index in range(150):
                key = f"{TYPES[index % 4]}:CAFE{index:04X}"
                found.append((gen.profile(key).home.code, seed, gen.sessions(key, clock)))
        for index in range(40):
            key = f"rfid:BEEF{index:04X}"
            found.append((gen.profile(key).home.code, seed, gen.sessions(key, CLOCKS[1], count=60)))
    return found


def test_a_history_is_one_drivers_whatever_the_seed_clock_or_user(
    lives: list[tuple[str, int, list[dict[str, Any]]]],
) -> None:
    """Never two sessions at once, at most one ongoing and it the latest, no country sooner than
    HOP_GAP after another; and each answer keeps the spec's invariants."""
    for home, seed, sessions in lives:
        assert one_drivers_problems(sessions) == [], (home, seed)
        answer = {"user": {"sessions": sessions}, "result": {"code": 0, "message": "Success."}}
        assert spec.check_invariants(answer) == [], (home, seed)


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(
    kind=st.sampled_from(TYPES),
    identifier=st.text(min_size=1, max_size=24),
    seed=st.integers(0, 2**32),
    hours=st.integers(0, 24 * 730),
    count=st.one_of(st.none(), st.integers(1, 80)),
)
def test_any_user_seed_and_clock_give_a_history_one_driver_could_have(
    kind: str, identifier: str, seed: int, hours: int, count: int | None
) -> None:
    clock = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(hours=hours)
    sessions = Generator(seed=seed, cache_size=0).sessions(f"{kind}:{identifier}", clock, count=count)
    note(f"{len(sessions)} sessions at {clock}")
    assert one_drivers_problems(sessions) == []


def test_a_user_charges_mostly_in_their_home_country_and_sometimes_travels(
    lives: list[tuple[str, int, list[dict[str, Any]]]],
) -> None:
    placed = [(home, country_of(s)) for home, _, sessions in lives for s in sessions if country_of(s)]
    at_home = sum(home == there for home, there in placed) / len(placed)
    assert 0.75 <= at_home <= 0.95, at_home  # mostly at home, yet trips abroad are part of the data
    for home, seed, sessions in lives:
        if len(sessions) == 60:  # a long history: home is where most of it happened
            own = [country_of(s) for s in sessions if country_of(s)]
            assert sum(there == home for there in own) / len(own) >= 0.5, (home, seed)


def test_a_charging_station_has_one_address(lives: list[tuple[str, int, list[dict[str, Any]]]]) -> None:
    for seed in SEEDS:
        addresses: dict[int, set[str]] = {}
        for _, world, sessions in lives:
            for s in sessions:
                if world == seed and s.get("charging-station-id") and s.get("address"):
                    addresses.setdefault(s["charging-station-id"], set()).add(s["address"])
        assert {station: found for station, found in addresses.items() if len(found) > 1} == {}


def test_non_ascii_addresses_keep_the_station_and_the_sessions_country() -> None:
    gen = Generator(seed=3)
    addresses: dict[int, set[str]] = {}
    for index in range(200):
        key = f"rfid:CAFE{index:04X}"
        normal = gen.sessions(key, CLOCKS[1])
        shaped = gen.sessions(key, CLOCKS[1], "non-ascii")
        for before, after in zip(normal, shaped, strict=True):
            if before.get("address"):
                assert country_of(after) == country_of(before), key
        for s in shaped:
            if s.get("charging-station-id") and s.get("address"):
                addresses.setdefault(s["charging-station-id"], set()).add(s["address"])
    assert {station: found for station, found in addresses.items() if len(found) > 1} == {}


def known_towns(code: str) -> set[str]:
    """Real towns of a country in Faker's data (its locale's lists of cities, its geo places) and
    the country table's own."""
    country = COUNTRIES[code]
    towns = set(country.towns)
    for provider in Faker(country.locale).providers:
        for name in ("cities", "real_city_names"):
            towns |= set(getattr(provider, name, ()))
        towns |= {p[2].split(",")[0] for p in getattr(provider, "land_coords", ()) if p[3] == code}
    return towns


@pytest.mark.parametrize("code", sorted(COUNTRIES))
def test_addresses_name_real_towns(code: str) -> None:
    country, towns = COUNTRIES[code], known_towns(code)
    gen = Generator(seed=3)
    for number in range(60):
        address = gen.station(number, country).address
        words = address.rsplit(", ", 2)[1].split(" ")  # the place: postcode and town
        ends = [" ".join(words[k:] if country.postcode_first else words[:k]) for k in range(1, len(words))]
        assert any(end in towns for end in ends), address


def test_a_served_any_user_history_is_one_drivers() -> None:
    """Through a real mock process: --any-user answers of many identifiers, valid and one driver's."""
    import http.client

    args = ["--any-user", "--seed", "3", "--now", "2024-12-10T12:00:00+00:00", "--port", "0"]
    with start_mock([*args, "--log-format", "off"]) as mock:
        host, port = mock.base.removeprefix("http://").rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            for index in range(120):
                user = {"identifier-type": "rfid", "identifier": f"CAFE{index:04X}"}
                request = orjson.dumps({spec.CALL: {"user": user}})
                connection.request(
                    "POST", "/api/v4/request", request, {**KEY, "Content-Type": "application/json"}
                )
                body = orjson.loads(connection.getresponse().read())
                assert valid(body) == [], user
                assert one_drivers_problems(body["user"]["sessions"]) == [], user
        finally:
            connection.close()


@pytest.mark.parametrize(
    "providers",
    [generation.FAKER_PROVIDERS, ("faker.providers.address", "faker.providers.geo")],
    ids=["the providers the pools use", "without one the addresses name: every provider then"],
)
def test_the_stations_are_those_faker_draws_with_every_provider(
    providers: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAKER_PROVIDERS leaves out only providers the pools never draw from, and should a Faker release
    name another in its addresses, that locale's streets are drawn with every provider: either way every
    country's stations are those of Faker's default, which builds every provider of the locale."""
    monkeypatch.setattr(generation, "FAKER_PROVIDERS", providers)
    lean = Generator(seed=0)
    drawn = [lean.station(n, country) for country in COUNTRIES.values() for n in range(64)]
    monkeypatch.setattr(generation, "FAKER_PROVIDERS", faker.config.PROVIDERS)  # Faker's default
    full = Generator(seed=0)
    assert [full.station(n, country) for country in COUNTRIES.values() for n in range(64)] == drawn
