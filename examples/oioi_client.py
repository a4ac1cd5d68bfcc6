"""A small OIOI client, as an app would write one: a user's recent charging sessions, robustly.

What it does with what the server answers (the result codes: ``spec/data/result-codes.json``):

- result 0: the sessions, or the "no sessions" state when the list is empty;
- result 102 (system timeout) and HTTP 5xx: retried with exponential back-off, honouring
  ``Retry-After`` when the server sends one (capped), up to ``attempts`` tries; a connection the
  server resets or closes is retried the same way;
- result 145 (user token not valid): the re-login path: ``relogin()`` gives a fresh token, and the
  call is made once more with it; a second 145 means the user must log in;
- no answer within ``timeout`` seconds: the "timed out" state (not retried: the user sees it at once);
- anything else: the "unavailable" state with the result code or the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

CALL = "user-get-recent-sessions"
RETRIED_RESULTS = frozenset({102})
TOKEN_NOT_VALID = 145


@dataclass(frozen=True)
class Outcome:
    """What the app shows. ``state``: sessions, no-sessions, login-required, timed-out or unavailable."""

    state: str
    sessions: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""


class RecentSessions:
    """``fetch(identifier_type, identifier, token)`` -> Outcome, against ``base_url`` with ``api_key``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 2.0,
        attempts: int = 3,
        backoff: float = 0.2,
        max_retry_after: float = 5.0,
        relogin: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + "/api/v4/request"
        self.api_key = api_key
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.relogin = relogin
        self.sleep = sleep
        self.http = requests.Session()

    def close(self) -> None:
        """Close the kept-alive connections."""
        self.http.close()

    def fetch(self, identifier_type: str, identifier: str, token: str | None = None) -> Outcome:
        outcome, code = self._with_retries(identifier_type, identifier, token)
        if code == TOKEN_NOT_VALID and self.relogin is not None:
            outcome, code = self._with_retries(identifier_type, identifier, self.relogin())
        return outcome

    def _with_retries(
        self, identifier_type: str, identifier: str, token: str | None
    ) -> tuple[Outcome, int | None]:
        user = {"identifier-type": identifier_type, "identifier": identifier}
        if token is not None:
            user["token"] = token
        body = {CALL: {"user": user}}
        headers = {"Authorization": f"key={self.api_key}"}
        last = "no attempt made"
        for attempt in range(self.attempts):
            wait = self.backoff * 2**attempt
            try:
                answer = self.http.post(self.url, json=body, headers=headers, timeout=self.timeout)
            except requests.Timeout:
                return Outcome("timed-out", detail=f"no answer within {self.timeout} s"), None
            except requests.ConnectionError as error:
                last = f"connection failed: {error}"
            else:
                if answer.status_code >= 500:
                    last = f"HTTP {answer.status_code}"
                    wait = self._retry_after(answer) or wait
                else:
                    try:
                        code = int(answer.json()["result"]["code"])
                    except (ValueError, KeyError, TypeError):
                        return Outcome("unavailable", detail=f"HTTP {answer.status_code}: not OIOI"), None
                    if code not in RETRIED_RESULTS:
                        return self._outcome(code, answer.json()), code
                    last = f"result {code}"
            if attempt + 1 < self.attempts:
                self.sleep(wait)
        return Outcome("unavailable", detail=f"gave up after {self.attempts} attempts: {last}"), None

    def _retry_after(self, answer: requests.Response) -> float | None:
        text = answer.headers.get("Retry-After", "")
        if not (text.isascii() and text.isdigit()):
            return None
        return min(float(text), self.max_retry_after)

    @staticmethod
    def _outcome(code: int, body: dict[str, Any]) -> Outcome:
        if code == 0:
            sessions = list(body.get("user", {}).get("sessions") or [])
            return Outcome("sessions", sessions) if sessions else Outcome("no-sessions")
        if 140 <= code <= 145:
            return Outcome("login-required", detail=f"result {code}")
        return Outcome("unavailable", detail=f"result {code}")
