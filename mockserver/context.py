"""What the scenario selector and the journal see of one request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    """One protocol request, as far as it could be understood.

    Fields that could not be read (bad input, failed authentication) are None. ``headers`` has the
    API key already redacted; ``session`` is the ``X-Mock-Session`` header.
    """

    call: str | None
    identifier_type: str | None
    identifier: str | None
    session: str | None
    headers: Mapping[str, str]
    raw_body_text: str
