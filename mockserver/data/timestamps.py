"""Date-time text in the strict form of D3 (``2014-06-23T18:32:49+02:00``), fast.

A history formats a dozen times; ``datetime`` objects cost several times more than epoch seconds and
cached per-hour texts, so the generator keeps times as epoch seconds until they are written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

EPOCH_DAY = date(1970, 1, 1).toordinal()
_CACHED_STAMPS = 65536  # bound of each cache (offsets per zone and hour, day texts)


class Timestamps:
    """The strict date-time form from epoch seconds, with the zone's offset at that moment: offsets
    and local 'date T hour:' texts cached per zone and UTC hour (every zone of the country table
    changes offset on the hour); every cache bounded."""

    def __init__(self) -> None:
        self._offsets: dict[tuple[str, int], tuple[int, str]] = {}
        self._noon: dict[tuple[str, int], int] = {}
        self._hours: dict[tuple[str, int], tuple[str | None, str]] = {}

    def day_offset(self, tz: str, day: int) -> int:
        """The zone's UTC offset (seconds) at local noon of ``day`` (a date ordinal): the offset of any
        time from 06:00 on (offset changes happen at night)."""
        found = self._noon.get((tz, day))
        if found is None:
            if len(self._noon) >= _CACHED_STAMPS:
                self._noon.clear()
            noon = datetime(*date.fromordinal(day).timetuple()[:3], 12, tzinfo=_zone(tz))
            offset = noon.utcoffset()
            found = self._noon[(tz, day)] = int(offset.total_seconds()) if offset else 0
        return found

    def stamp(self, moment: float, tz: str) -> str:
        seconds = int(moment)  # moments are after 1970: int() floors, as isoformat truncates
        hour, within = divmod(seconds, 3600)
        found = self._hours.get((tz, hour))
        if found is None:
            found = self._hour(tz, hour)
        head, suffix = found
        if head is None:  # an offset that is not whole hours
            return self._general(seconds, tz)
        return f"{head}{_MINUTES_SECONDS[within]}{suffix}"

    def _hour(self, tz: str, hour: int) -> tuple[str | None, str]:
        """("YYYY-MM-DDThh:", "+hh:mm") of a UTC hour in the zone (no head for part-hour offsets)."""
        if len(self._hours) >= _CACHED_STAMPS:
            self._hours.clear()
        offset_s, suffix = self._offset(tz, hour)
        head = None
        if offset_s % 3600 == 0:
            local = datetime.fromtimestamp(hour * 3600 + offset_s, UTC)
            head = f"{local.date().isoformat()}T{local.hour:02d}:"
        found = self._hours[(tz, hour)] = (head, suffix)
        return found

    def _offset(self, tz: str, hour: int) -> tuple[int, str]:
        found = self._offsets.get((tz, hour))
        if found is None:
            if len(self._offsets) >= _CACHED_STAMPS:
                self._offsets.clear()
            offset = datetime.fromtimestamp(hour * 3600, _zone(tz)).utcoffset()
            total = int(offset.total_seconds()) if offset else 0
            sign, minutes = ("+" if total >= 0 else "-"), abs(total) // 60
            found = self._offsets[(tz, hour)] = (total, f"{sign}{minutes // 60:02d}:{minutes % 60:02d}")
        return found

    def _general(self, seconds: int, tz: str) -> str:
        offset_s, suffix = self._offset(tz, seconds // 3600)
        local = datetime.fromtimestamp(seconds + offset_s, UTC)
        return f"{local.replace(tzinfo=None).isoformat(timespec='seconds')}{suffix}"


_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))  # "mm:ss" of an hour


@cache
def _zone(name: str) -> ZoneInfo:
    """ZoneInfo keeps only a few zones strongly cached; the countries' zones are a small fixed set."""
    return ZoneInfo(name)
