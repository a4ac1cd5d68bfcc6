"""The mock's clock: real time, or pinned by ``--now`` / the ``X-Mock-Now`` header.

Histories are generated relative to the clock's *anchor*, the current hour: the same user gets the
same body for a whole hour (so bodies can be cached), and every generated time lies before the anchor,
so never in the future.
"""

from __future__ import annotations

from datetime import UTC, datetime

import spec
from mockserver.errors import ConfigError, Rejected

# The moments a clock may be pinned to: a history reaches up to ten years back from its anchor, and its
# times are epoch seconds after 1970; the anchor's hour plus any zone's offset must stay in year 9999.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
NOW_HEADER = "X-Mock-Now"
RANGE = f"{EARLIEST:%Y-%m-%dT%H:%M:%SZ} to {LATEST:%Y-%m-%dT%H:%M:%SZ}"


def parse_now(text: str) -> datetime:
    """An RFC 3339 date-time (``2024-05-01T12:00:00Z``, ``...+02:00``) as an aware UTC datetime.

    ValueError names what is wrong: not a date-time, or a moment outside ``RANGE``.
    """
    try:
        moment = spec.parse_date_time(text.strip())
    except ValueError as error:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00+02:00)") from error
    outside = ValueError(f"{text!r} is outside the range the mock's clock can serve: {RANGE}")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 is in year 10000 in UTC
        raise outside from None
    if not EARLIEST <= moment <= LATEST:
        raise outside
    return moment


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
        path = f"headers.{NOW_HEADER}"
        raise Rejected(
            400, 230, f"Invalid request format: {error}", [spec.Problem(path, str(error))]
        ) from None
