"""The mock's clock: real time, or pinned by ``--now`` / the ``X-Mock-Now`` header.

Histories are generated relative to the clock's *anchor*, the current hour: the same user gets the
same body for a whole hour (so bodies can be cached), and every generated time lies before the anchor,
so never in the future.
"""

from __future__ import annotations

from datetime import UTC, datetime

import spec
from mockserver.errors import ConfigError


def parse_now(text: str) -> datetime:
    """An RFC 3339 date-time (``2024-05-01T12:00:00Z``, ``...+02:00``) as an aware UTC datetime."""
    try:
        return spec.parse_date_time(text.strip()).astimezone(UTC)
    except ValueError as error:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00+02:00)") from error


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
