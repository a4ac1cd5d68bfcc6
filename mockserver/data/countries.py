"""Countries where generated sessions happen: one table with locale, currency, time zone and prices,
and the rules of being in one (``session_country``, ``HOP_GAP``).

Prices are per kWh and fees per session, in the country's currency, as ranges the generator draws
from; the ranges follow public charging tariffs of 2023-2025 roughly (AC and DC averaged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

HOP_GAP = 8 * 3600
"""Seconds at least between the end of a session and the start of the next one in another country:
a history is one driver's, who has to get there."""


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    locale: str  # the Faker locale for streets, postcodes and cities
    currency: str  # ISO 4217
    tz: str  # IANA zone: the UTC offset of generated times is this zone's at that date
    price: tuple[float, float]  # per kWh
    fee: tuple[float, float]  # per session
    non_ascii_city: tuple[str, str]  # (postcode, city) with non-ASCII letters, for the non-ascii variant
    postcode_first: bool = True  # "10963 Berlin" (True) or "London SW1A 1AA" (False)
    towns: tuple[str, ...] = ()  # real towns, for a locale whose Faker data has no list of them


_NORWEGIAN_TOWNS = (
    "Arendal", "Bergen", "Bodø", "Drammen", "Fredrikstad", "Gjøvik", "Halden", "Hamar", "Harstad",
    "Haugesund", "Kongsberg", "Kristiansand", "Larvik", "Lillehammer", "Molde", "Moss", "Oslo",
    "Porsgrunn", "Sandefjord", "Sandnes", "Sarpsborg", "Skien", "Stavanger", "Tromsø", "Trondheim",
    "Tønsberg", "Ålesund",
)  # fmt: skip

_TABLE = [
    Country("DE", "Germany", "de_DE", "EUR", "Europe/Berlin", (0.39, 0.79), (0.0, 1.5), ("50667", "Köln")),
    Country("AT", "Austria", "de_AT", "EUR", "Europe/Vienna", (0.35, 0.79), (0.0, 1.5), ("6300", "Wörgl")),
    Country("FR", "France", "fr_FR", "EUR", "Europe/Paris", (0.30, 0.65), (0.0, 1.0), ("45000", "Orléans")),
    Country(
        "NL",
        "Netherlands",
        "nl_NL",
        "EUR",
        "Europe/Amsterdam",
        (0.35, 0.75),
        (0.0, 0.5),
        ("9264 AA", "Feanwâlden"),
    ),
    Country("BE", "Belgium", "nl_BE", "EUR", "Europe/Brussels", (0.35, 0.75), (0.0, 0.5), ("4000", "Liège")),
    Country("IT", "Italy", "it_IT", "EUR", "Europe/Rome", (0.45, 0.89), (0.0, 1.0), ("47121", "Forlì")),
    Country("ES", "Spain", "es_ES", "EUR", "Europe/Madrid", (0.30, 0.69), (0.0, 1.0), ("26001", "Logroño")),
    Country(
        "PT", "Portugal", "pt_PT", "EUR", "Europe/Lisbon", (0.25, 0.59), (0.15, 0.5), ("7000-001", "Évora")
    ),
    Country(
        "FI", "Finland", "fi_FI", "EUR", "Europe/Helsinki", (0.25, 0.59), (0.0, 1.0), ("40100", "Jyväskylä")
    ),
    Country(
        "IE",
        "Ireland",
        "en_IE",
        "EUR",
        "Europe/Dublin",
        (0.40, 0.69),
        (0.0, 1.0),
        ("A96", "Dún Laoghaire"),
        False,
    ),
    Country("SE", "Sweden", "sv_SE", "SEK", "Europe/Stockholm", (3.5, 7.9), (0.0, 15.0), ("211 20", "Malmö")),
    Country(
        "NO",
        "Norway",
        "no_NO",
        "NOK",
        "Europe/Oslo",
        (3.0, 6.9),
        (0.0, 15.0),
        ("9008", "Tromsø"),
        towns=_NORWEGIAN_TOWNS,
    ),
    Country("DK", "Denmark", "da_DK", "DKK", "Europe/Copenhagen", (2.9, 6.5), (0.0, 10.0), ("4600", "Køge")),
    Country(
        "GB",
        "United Kingdom",
        "en_GB",
        "GBP",
        "Europe/London",
        (0.45, 0.85),
        (0.0, 1.0),
        ("LL65 1AA", "Ynys Môn"),
        False,
    ),
    Country(
        "CH", "Switzerland", "de_CH", "CHF", "Europe/Zurich", (0.45, 0.89), (0.0, 1.5), ("8001", "Zürich")
    ),
    Country("PL", "Poland", "pl_PL", "PLN", "Europe/Warsaw", (1.8, 3.5), (0.0, 5.0), ("90-001", "Łódź")),
    Country("CZ", "Czechia", "cs_CZ", "CZK", "Europe/Prague", (8.0, 16.0), (0.0, 30.0), ("301 00", "Plzeň")),
    Country(
        "HU", "Hungary", "hu_HU", "HUF", "Europe/Budapest", (150.0, 250.0), (0.0, 300.0), ("9021", "Győr")
    ),
]

COUNTRIES = MappingProxyType({country.code: country for country in _TABLE})


def session_country(session: Mapping[str, Any], likely: Country | None = None) -> Country:
    """The country a session took place in, as its data tells: among the countries of its currency
    (every country for a currency of none), those whose zone had the UTC offset of its times then;
    of these the one its address names, else ``likely`` (the user's home), else the first in the
    table. A history keeps each session's country, zone and currency consistent when it rewrites
    addresses by this."""
    currency = session.get("currency")
    found = [country for country in _TABLE if country.currency == currency] or list(_TABLE)
    moment = _moment(session)
    if moment is not None:
        offset = moment.utcoffset()
        found = [c for c in found if moment.astimezone(ZoneInfo(c.tz)).utcoffset() == offset] or found
    address = session.get("address")
    if isinstance(address, str):
        named = [country for country in found if country.name in address]
        found = named or found
    return likely if likely in found and len(found) > 1 else found[0]


def _moment(session: Mapping[str, Any]) -> datetime | None:
    """The first readable time of a session with an offset (intervals first, then request-sent)."""
    texts: list[Any] = []
    for name in ("session-interval", "charging-interval"):
        interval = session.get(name)
        if isinstance(interval, Mapping):
            texts += [interval.get("start"), interval.get("end")]
    texts.append(session.get("request-sent"))
    for text in texts:
        if isinstance(text, str):
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                continue
            if moment.tzinfo is not None:
                return moment
    return None
