"""The mock's clock: real time, or pinned by ``--now`` / the ``X-Mock-Now`` header.

Histories are generated relative to the clock's *anchor*, the current hour: the same user gets the
same body for a whole hour (so bodies can be cached), and every generated time lies before the anchor,
so never in the future.
"""

from __future__ import annotations

from datetime import UTC, datetime

import spec
from mockserver.errors import ConfigError, Rejected
from mockserver.settings import parse_now  # the rule of MOCK_NOW, kept with the setting; X-Mock-Now too

NOW_HEADER = "X-Mock-Now"


def pinned(text: str | None) -> datetime | None:
    """The configured ``MOCK_NOW`` as a datetime, or None for the real clock."""
    if text is None or text == "":
        return None
    try:
        return parse_now(text)
    except ValueError as error:
        raise ConfigError(f"MOCK_NOW: {error}") from error


def now(pin: datetime | None) -> datetime:
    return pin if pin is not None else datetime.now(UTC)


def anchor(moment: datetime) -> datetime:
    """The start of the hour of ``moment`` (UTC): the reference time of generated histories."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def requested(text: str | None, now: datetime) -> datetime:
    """The moment a request asks for with ``X-Mock-Now`` (``now`` without one); Rejected if unreadable."""
    if text is None:
        return now
    try:
        return parse_now(text)
    except ValueError as error:
        path = spec.header_path(NOW_HEADER)
        raise Rejected(
            400, 230, f"Invalid request format: {error}", [spec.Problem(path, str(error))]
        ) from None
