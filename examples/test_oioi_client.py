"""The example client against the mock: each behaviour it promises, proven with a scripted session.

``mock_session`` (the mock's pytest plugin) is this test's own session of the run's one mock; the client
is given its ``base_url`` and nothing else, as an app is configured. ``sleep`` is recorded instead of
slept, so a test proves which pauses the client chose without waiting for them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from examples.oioi_client import Outcome, RecentSessions
from mockserver.testing import Session

USER = ("username", "demo@example.com")  # the demo user of fixtures/users.yaml
TOKEN = "87d4e3085af04671834ebeb127df33bf"


class App:
    """The client as the app builds it, with the pauses it takes and its re-logins counted."""

    def __init__(self, session: Session, timeout: float = 2.0) -> None:
        self.pauses: list[float] = []
        self.relogins = 0
        self.client = RecentSessions(
            session.base_url, "demo-key", timeout=timeout, relogin=self.relogin, sleep=self.pauses.append
        )

    def relogin(self) -> str:
        self.relogins += 1
        return TOKEN

    def fetch(self, token: str = TOKEN) -> Outcome:
        return self.client.fetch(*USER, token)


@pytest.fixture
def app(mock_session: Session) -> Iterator[App]:
    made = App(mock_session)
    yield made
    made.client.close()


def test_a_first_answer_of_102_is_retried_after_a_back_off(mock_session: Session, app: App) -> None:
    mock_session.script(["result-102", "ok"], match={"identifier": USER[1]})
    assert app.fetch().state == "sessions"
    assert app.pauses == [0.2]
    mock_session.verify(result=102, exactly=1)
    mock_session.verify(result=0, exactly=1)


def test_a_503_is_retried_after_its_retry_after(mock_session: Session, app: App) -> None:
    mock_session.script(["http-503; retry-after=3", "ok"])
    assert app.fetch().state == "sessions"
    assert app.pauses == [3.0]  # the server's Retry-After, not the client's own back-off
    mock_session.verify(status=503, exactly=1)


def test_a_reset_connection_is_retried(mock_session: Session, app: App) -> None:
    mock_session.script(["reset", "ok"])
    assert app.fetch().state == "sessions"
    assert app.pauses == [0.2]
    mock_session.verify(scenario="reset", exactly=1)


def test_result_145_takes_the_relogin_path_and_retries_with_the_new_token(
    mock_session: Session, app: App
) -> None:
    mock_session.script(["result-145", "ok"])
    assert app.fetch(token="expired-token").state == "sessions"
    assert app.relogins == 1
    assert [entry["result"] for entry in mock_session.requests()] == [0, 145]  # newest first


def test_a_second_145_after_relogin_means_the_user_must_log_in(mock_session: Session, app: App) -> None:
    mock_session.script([{"scenario": "result-145", "times": 2}])
    outcome = app.fetch()
    assert (outcome.state, outcome.detail, app.relogins) == ("login-required", "result 145", 1)


def test_a_slow_answer_hits_the_client_time_out(mock_session: Session) -> None:
    mock_session.script(["latency-fixed; ms=2000"])
    impatient = App(mock_session, timeout=0.5)
    outcome = impatient.fetch()
    impatient.client.close()
    assert outcome.state == "timed-out"


def test_an_empty_history_is_the_no_sessions_state(mock_session: Session, app: App) -> None:
    mock_session.script(["no-sessions"])
    assert app.fetch() == Outcome("no-sessions")


def test_the_client_gives_up_after_its_attempts(mock_session: Session, app: App) -> None:
    mock_session.script([{"scenario": "http-500", "times": 3}, "ok"])
    outcome = app.fetch()
    assert (outcome.state, outcome.detail) == ("unavailable", "gave up after 3 attempts: HTTP 500")
    assert app.pauses == [0.2, 0.4]
    mock_session.verify(status=500, exactly=3)
