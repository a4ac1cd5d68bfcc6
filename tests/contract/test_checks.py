"""Every check on recorded exchanges (tests/contract/exchanges/*.json): adding a case is adding a file.

Each file gives the case kind, the answer (status, Content-Type, body or raw text), optionally the
known user's sessions (``baseline``; ``baselines`` by user: "known user", "second user"), the user the
case is for or whose own data it tolerates (``user``; null: nobody's), the secrets (API key, token),
the answer's other headers (``headers``), and exactly which checks fail and which warn; ``at`` gives,
for some checks, the paths their findings point to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import spec
from contract_tests import CHECKS
from contract_tests.checks import Context
from contract_tests.model import (
    ANY_ERROR_FAMILIES,
    PARTNER_AUTH_FAMILIES,
    USER_AUTH_FAMILIES,
    Case,
    Exchange,
    Expect,
    Kind,
    Request,
    Response,
    User,
)

EXCHANGES = sorted((Path(__file__).parent / "exchanges").glob("*.json"))
FAMILIES = {
    Kind.USER_AUTH: USER_AUTH_FAMILIES,
    Kind.PARTNER_AUTH: PARTNER_AUTH_FAMILIES,
    Kind.CROSS_USER: USER_AUTH_FAMILIES,
}


def _exchange(data: dict[str, Any]) -> Exchange:
    kind = Kind(data["kind"])
    user = data.get("user", User.KNOWN.value)
    expect = Expect(kind, FAMILIES.get(kind, ANY_ERROR_FAMILIES), None if user is None else User(user))
    case = Case("recorded", "recorded", {}, b"{}", expect)
    raw = data["raw"].encode() if "raw" in data else json.dumps(data["body"]).encode()
    answer_headers = {"Content-Type": data["content_type"], **data.get("headers", {})}
    response = Response(data["status"], answer_headers, raw, 0.01)
    sent = data.get("request", {})  # what the request sent, where a check depends on it
    headers, body = sent.get("headers", {}), sent.get("body", "{}").encode()
    request = Request("POST", "http://h/api/v4/request", headers, body)
    return Exchange(case, request, response)


@pytest.mark.parametrize("path", EXCHANGES, ids=[path.stem for path in EXCHANGES])
def test_recorded_exchange(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    context = Context(data["profile"], secrets=tuple(tuple(pair) for pair in data.get("secrets", [])))
    if "baseline" in data:
        context.remember(data["baseline"])
    for user, sessions in data.get("baselines", {}).items():
        context.remember(sessions, User(user))
    exchange = _exchange(data)
    failed, warned, at = set(), set(), {}
    for check in CHECKS:
        if check.applies(exchange):
            for finding in check.function(context, exchange):
                (warned if finding.warning else failed).add(check.name)
                at.setdefault(check.name, []).append(finding.path)
    assert failed == set(data["fails"])
    assert warned == set(data["warnings"])
    for name, paths in data.get("at", {}).items():
        assert sorted(at[name]) == sorted(paths), name


def test_there_are_recorded_exchanges_for_every_kind() -> None:
    kinds = {json.loads(path.read_text("utf-8"))["kind"] for path in EXCHANGES}
    assert kinds == {kind.value for kind in Kind}


def test_every_spec_invariant_has_a_check_of_its_own() -> None:
    names = [check.name for check in CHECKS]
    assert len(names) == len(set(names))
    semantics = [check.name for check in CHECKS if check.family == "semantics"]
    for invariant in spec.INVARIANTS:
        assert invariant.__name__.replace("_", "-") in semantics, invariant.__name__
    assert all(check.rule.strip() for check in CHECKS)
