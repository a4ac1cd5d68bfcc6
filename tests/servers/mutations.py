"""Mutants of the reference server: each breaks exactly ONE rule, and names the check that must catch it.

Adding a defect is adding a row to ``MUTANTS``; tests/contract/test_mutants.py runs every row.
Rows, and the functions that build them, are grouped by what the defect is about, in the order a
request meets it (transport, keys, parsing, users, then the answer); a row's ``family`` is the
family of the check that must catch it.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import after_this_request, request

from tests.servers.reference import (
    API_KEY,
    CALL,
    USERS,
    Hooks,
    Refusal,
    check_envelope,
    check_user,
    find_user,
    key_ok,
    parse_body,
    serves_v3_too,
    with_hooks,
)
from tests.servers.variants import share_session_ids


@dataclass(frozen=True)
class Mutant:
    family: str  # schema, semantics, authentication, robustness, consistency
    check: str  # the check of contract_tests that must name it
    what: str
    hooks: Hooks
    alone: bool = False  # no other check can see the defect: the suite must name this check only
    suite_args: tuple[str, ...] = ()  # what the suite must be told to see the defect (e.g. a budget)
    warns: bool = False  # the check only warns: the suite exits 0 and lists the warning
    path: str | None = None  # where every failure of ``check`` must point (a JSON path, or a header's)


# --- Building blocks shared by several families ---------------------------------------------------


def _each_session(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def success(body: dict[str, Any]) -> dict[str, Any]:
        body = json.loads(json.dumps(body))
        for session in body["user"]["sessions"]:
            change(session)
        return body

    return success


def _set(key: str, value: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def change(session: dict[str, Any]) -> None:
        session[key] = value(session.get(key))

    return change


def _error_result(
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def error(body: dict[str, Any]) -> dict[str, Any]:
        return body | {"result": change(dict(body["result"]))}

    return error


# --- Transport and HTTP ---------------------------------------------------------------------------


def _crash_without_json_type(raw: bytes) -> None:
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        raise KeyError("charset")  # parses the Content-Type header it assumed was there


def _strict_content_type(raw: bytes) -> None:
    if request.headers.get("Content-Type") != "application/json":  # a charset parameter is refused
        raise Refusal(230, "Content-Type must be application/json", 415)


def _crash_on_header(name: str) -> Callable[[bytes], None]:
    def before(raw: bytes) -> None:
        if request.headers.get(name):
            raise NotImplementedError(f"{name} is not supported")

    return before


def _needs_content_length(raw: bytes) -> None:
    int(request.headers["Content-Length"])  # KeyError (a 500) for a chunked body


def _crash_on_big_body(raw: bytes) -> None:
    if len(raw) > 500_000:
        raise MemoryError("request buffer")


def _crash_on_bom(raw: bytes) -> None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raise UnicodeError("BOM")


def _crash_on_non_ascii(raw: bytes) -> None:
    if any(byte > 0x7F for byte in raw):
        raise UnicodeEncodeError("ascii", raw.decode("utf-8", "replace"), 0, 1, "lookup table is latin-1")


def _hang_up_on_non_ascii(raw: bytes) -> None:
    if any(byte > 0x7F for byte in raw):  # the worker dies mid-request: the client sees the socket close
        connection = request.environ["werkzeug.socket"]
        connection.shutdown(socket.SHUT_RDWR)
        connection.close()
        raise ConnectionAbortedError("worker lost")


def _exit_on_non_ascii(raw: bytes) -> None:
    if any(byte > 0x7F for byte in raw):
        os._exit(70)  # the whole process goes down: every later connection is refused


def _crash_on_get(method: str, path: str, call: str) -> bool:
    if method == "GET" and path == call:
        raise RuntimeError("GET handler not implemented")
    return method == "POST" and path == call


def _get_too(method: str, path: str, call: str) -> bool:
    return method in {"GET", "POST"} and path == call


def _below_call_too(method: str, path: str, call: str) -> bool:
    return method == "POST" and path.startswith(call)


# --- Partner authentication -----------------------------------------------------------------------


def _key_elsewhere(header: str | None, keys: frozenset[str]) -> bool:
    if header is None:  # "for scripts": the key in X-Api-Key or in the query string
        return (request.headers.get("X-Api-Key") or request.args.get("key")) in keys
    return key_ok(header, keys)


def _call_object() -> Any:
    try:
        body = parse_body(request.get_data())
    except Refusal:
        return None
    return body.get(CALL) if isinstance(body, dict) else None


def _key_in_body(header: str | None, keys: frozenset[str]) -> bool:
    if header is None:
        call = _call_object()
        return isinstance(call, dict) and call.get("api-key") in keys
    return key_ok(header, keys)


def _cookie_session(header: str | None, keys: frozenset[str]) -> bool:
    return request.cookies.get("sid") == "partner-ok" or key_ok(header, keys)  # "remember me"


def _set_cookie(body: dict[str, Any]) -> dict[str, Any]:
    @after_this_request
    def remember(response: Any) -> Any:
        response.set_cookie("sid", "partner-ok")
        return response

    return body


def _empty_header_passes(header: str | None, keys: frozenset[str]) -> bool:
    return header == "" or key_ok(header, keys)  # an unset variable in the client sends "" ...


def _key_last_ignored(header: str | None, keys: frozenset[str]) -> bool:
    return (
        bool(header)
        and header.startswith("key=")
        and any(len(header) == len(k) + 4 and header[4:-1] == k[:-1] for k in keys)
    )


def _key_not_on(
    method: str | None = None, path: str | None = None
) -> Callable[[str | None, frozenset[str]], bool]:
    def check(header: str | None, keys: frozenset[str]) -> bool:
        if request.method == method or request.path == path:
            return True  # "internal" route: no key needed
        return key_ok(header, keys)

    return check


def _no_key_for_token_lookups(header: str | None, keys: frozenset[str]) -> bool:
    call = _call_object()
    user = call.get("user") if isinstance(call, dict) else None
    if isinstance(user, dict) and user.get("identifier-type") == "token":
        return True  # "the token is the credential": the partner key is skipped
    return key_ok(header, keys)


def _user_before_key(header: str | None, keys: frozenset[str]) -> bool:
    if key_ok(header, keys):
        return True
    find_user(check_user(check_envelope(parse_body(request.get_data()))), USERS)  # 140/144/145 first
    return False


# --- Request validation ---------------------------------------------------------------------------


def _parse_or_crash(raw: bytes) -> Any:
    return json.loads(raw)  # a JSONDecodeError escapes: HTTP 500


def _parse_decode_errors_only(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:  # not ValueError: huge ints escape
        raise Refusal(230, f"not JSON: {exc}") from exc


def _parse_no_depth_limit(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # a RecursionError escapes
        raise Refusal(230, f"not JSON: {exc}") from exc


def _empty_200_on_bad_json(raw: bytes) -> Any:
    try:
        return parse_body(raw)
    except Refusal as exc:
        raise Refusal(230, "", 200) from exc


def _first_key_of(body: Any) -> Any:
    if isinstance(body, dict) and not body:
        raise StopIteration  # next(iter(body)) on {}: escapes as a 500
    return check_envelope(body)


def _first_key(body: Any) -> Any:
    if isinstance(body, dict) and CALL in body:
        return body[CALL]  # ignores any other key
    return check_envelope(body)


def _route_by_raw_prefix(raw: bytes) -> None:
    if not raw.startswith(b'{"user-get-recent-sessions":'):  # "fast routing" on the compact form
        raise Refusal(230, "unknown call")


def _identifier_by_regex(raw: bytes) -> Any:
    body = parse_body(raw)
    found = re.search(r'"identifier"\s*:\s*"([^"]*)"', raw.decode("utf-8", "replace"))
    user = (
        body.get(CALL, {}).get("user")
        if isinstance(body, dict) and isinstance(body.get(CALL), dict)
        else None
    )
    if found and isinstance(user, dict) and isinstance(user.get("identifier"), str):
        user["identifier"] = found.group(1)  # escapes such as \\u0061 are not decoded
    return body


def _any_type(call: Any) -> dict[str, Any]:
    user = call.get("user") if isinstance(call, dict) else None
    if isinstance(user, dict) and user.get("identifier-type") not in {"evco-id", "rfid", "username", "token"}:
        user = user | {"identifier-type": "username"}  # "defaults" an unknown type
        call = {"user": user}
    return check_user(call)


def _no_type_checks(call: Any) -> dict[str, Any]:
    user = call["user"]
    user["identifier"].strip()  # AttributeError (a 500) when it is not a string
    return check_user(call)


def _crash_on_long(call: Any) -> dict[str, Any]:
    user = call.get("user") if isinstance(call, dict) else None
    if isinstance(user, dict) and isinstance(user.get("identifier"), str) and len(user["identifier"]) > 1000:
        raise RuntimeError("identifier column overflow")
    return check_user(call)


def _measured_after(clean: Callable[[str], str]) -> Callable[[Any], dict[str, Any]]:
    """``check_user`` on the identifier as ``clean`` leaves it: the limit is applied to the cleaned one."""

    def user(call: Any) -> dict[str, Any]:
        user = call.get("user") if isinstance(call, dict) else None
        if isinstance(user, dict) and isinstance(user.get("identifier"), str):
            call = {"user": user | {"identifier": clean(user["identifier"])}}
        return check_user(call)

    return user


def _without_zero_width(text: str) -> str:
    return re.sub("[\u200b-\u200d\u2060\ufeff]", "", text)  # "invisible characters are noise"


def _crash_on_null_token(call: Any) -> dict[str, Any]:
    user = call.get("user") if isinstance(call, dict) else None
    if isinstance(user, dict) and "token" in user and user.get("identifier-type") != "username":
        user["token"].strip()  # AttributeError when the token is null
    return check_user(call)


def _hang_on_empty_token(raw: bytes) -> None:
    if b'"token": ""' in raw:
        time.sleep(5)


# --- User authentication --------------------------------------------------------------------------


def _ignore_token(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    record = next((u for u in users if u["identifier"] == user["identifier"]), None)
    if record is None:
        raise Refusal(140, "no such user")
    return record


def _token_prefix(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    record = next((u for u in users if u["identifier"] == user["identifier"]), None)
    token = user.get("token")
    if record is not None and record["token"] and token and record["token"].startswith(token.lower()):
        return record  # compares only as much as was sent, ignoring case
    return find_user(user, users)


def _token_trimmed(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    token = user.get("token")
    return find_user(user | {"token": token.strip()} if isinstance(token, str) else user, users)


def _token_last_ignored(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    token = user.get("token")
    record = next((u for u in users if u["identifier"] == user["identifier"]), None)
    stored = record["token"] if record else None
    if stored and isinstance(token, str) and len(token) == len(stored) and token[:-1] == stored[:-1]:
        return record  # compared all but the last character (an off-by-one slice)
    return find_user(user, users)


def _username_without_token(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    if user["identifier-type"] == "username" and user.get("token") is None:
        user = user | {
            "token": next((u["token"] for u in users if u["identifier"] == user["identifier"]), "x")
        }
    return find_user(user, users)


def _by_token(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    record = next((u for u in users if u["token"] is not None and u["token"] == user.get("token")), None)
    return record if record is not None else find_user(user, users)


def _any_type_token_for_username(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    record = next((u for u in users if u["identifier"] == user["identifier"]), None)
    if (
        record is None
        or user["identifier-type"] == "username"
        or user["identifier-type"] == record["identifier-type"]
    ):
        return find_user(user, users)
    return record  # found under any identifier-type; the token is checked only for usernames


def _any_users_token(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    kind, ident, token = user["identifier-type"], user["identifier"], user.get("token")
    record = next((u for u in users if u["identifier-type"] == kind and u["identifier"] == ident), None)
    if record is not None and record["token"] and token in {u["token"] for u in users if u["token"]}:
        return record  # "is this a valid token?" asked of every user's tokens, not of this user's
    return find_user(user, users)


def _station_join_leak(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    record = find_user(user, users)
    if record is users[0] or not record["sessions"]:
        return record
    # the history joined on a station both used: one of Ada's sessions comes along
    return record | {"sessions": [*record["sessions"], users[0]["sessions"][1]]}


def _one_slot_for_all() -> Callable[[dict[str, Any], list[dict[str, Any]]], dict[str, Any]]:
    slot: dict[str, dict[str, Any]] = {}  # shared by every request thread: the defect

    def find(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
        slot["found"] = find_user(user, users)
        time.sleep(0.05)  # loading the history; meanwhile another request may take the slot
        return slot["found"]

    return find


def _prefix_lookup(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    wanted = user["identifier"].rstrip("%*")  # LIKE 'x%': the stored id starts with what was sent
    record = next((u for u in users if wanted and u["identifier"].startswith(wanted)), None)
    if record is not None and user["identifier-type"] == record["identifier-type"]:
        user = user | {"identifier": record["identifier"]}
    return find_user(user, users)


def _normalised_hits_another_row(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    cleaned = user["identifier"].strip().casefold()
    record = find_user(user | {"identifier": cleaned}, users)  # the token is still checked
    return users[-1] if cleaned != user["identifier"] else record  # the normalised path reads a stale row


def _unknown_is_empty(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        return find_user(user, users)
    except Refusal as exc:
        if exc.code in {140, 144}:
            return {"sessions": []}
        raise


def _fallback_first(user: dict[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        return find_user(user, users)
    except Refusal as exc:
        if exc.code == 140 and user["identifier-type"] in {"rfid", "evco-id"}:
            return users[0]  # users.get(id, default) bug: somebody else's data
        raise


# --- Response encoding ----------------------------------------------------------------------------


def _dumps_then(change: Callable[[str], str]) -> Callable[[Any], str]:
    def dumps(body: Any) -> str:
        return change(json.dumps(body, ensure_ascii=False))

    return dumps


def _success_text(change: Callable[[str], str]) -> Callable[[Any], str]:
    """Change only the text of success bodies (error bodies stay correct)."""

    def dumps(body: Any) -> str:
        text = json.dumps(body, ensure_ascii=False)
        return change(text) if isinstance(body, dict) and "user" in body else text

    return dumps


def _nan(body: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(json.dumps(body))
    body["user"]["sessions"][0]["energy-consumed"] = math.nan
    return body


# --- Response shape -------------------------------------------------------------------------------


def _in_progress_end_empty(session: dict[str, Any]) -> None:
    session["session-interval"].setdefault("end", "")


# --- Session data ---------------------------------------------------------------------------------


def _end_before_start(session: dict[str, Any]) -> None:
    interval = session["session-interval"]
    if "end" in interval:
        interval["start"], interval["end"] = interval["end"], interval["start"]


def _start_lost(session: dict[str, Any]) -> None:
    if session["session-interval"].get("end"):
        session["session-interval"].pop("start", None)  # "start is optional" read too far


def _charging_outside(session: dict[str, Any]) -> None:
    end = session["session-interval"].get("end")
    if end and "start" in session["charging-interval"]:
        session["charging-interval"]["end"] = end[:11] + "23:59:59" + end[19:]


def _last_session(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def success(body: dict[str, Any]) -> dict[str, Any]:
        body = json.loads(json.dumps(body))
        if body["user"]["sessions"]:
            change(body["user"]["sessions"][-1])
        return body

    return success


def _charging_before_session(session: dict[str, Any]) -> None:
    start = session["session-interval"].get("start")
    if start:
        session["charging-interval"]["start"] = start[:11] + "00:00:01" + start[19:]


def _energy_recounted() -> Callable[[dict[str, Any]], dict[str, Any]]:
    answered = [0]  # a meter reading added on every answer, even to sessions that have ended

    def success(body: dict[str, Any]) -> dict[str, Any]:
        answered[0] += 1
        body = json.loads(json.dumps(body))
        for session in body["user"]["sessions"]:
            if session["session-interval"].get("end") and "energy-consumed" in session:
                session["energy-consumed"] = round(session["energy-consumed"] + answered[0] / 1000, 3)
        return body

    return success


def _last_finished_recounted() -> Callable[[dict[str, Any]], dict[str, Any]]:
    answered = [0]  # sessions share one id; of two or more ended, the last gains a meter reading per answer

    def success(body: dict[str, Any]) -> dict[str, Any]:
        answered[0] += 1
        body = share_session_ids(body)
        ended = [s for s in body["user"]["sessions"] if s["session-interval"].get("end")]
        if len(ended) > 1 and "energy-consumed" in ended[-1]:
            ended[-1]["energy-consumed"] = round(ended[-1]["energy-consumed"] + answered[0] / 1000, 3)
        return body

    return success


def _slowly(body: dict[str, Any]) -> dict[str, Any]:
    time.sleep(0.15)  # every history is read from a cold store
    return body


def _lower(value: Any) -> Any:
    return value.lower()


# --- Result codes and HTTP statuses ---------------------------------------------------------------


def _recode(old: int, new: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def error(body: dict[str, Any]) -> dict[str, Any]:
        if body["result"]["code"] == old:
            return body | {"result": {"code": new, "message": "Error."}}
        return body

    return error


def _sessions_in_errors(body: dict[str, Any]) -> dict[str, Any]:
    return body | {"user": {"sessions": []}}


def _top_level(body: dict[str, Any]) -> dict[str, Any]:
    return {"sessions": body["user"]["sessions"], "result": body["result"]}


# --- Secrets --------------------------------------------------------------------------------------


def _expected_token(body: dict[str, Any]) -> dict[str, Any]:
    if body["result"]["code"] == 145:
        return body | {
            "error": f"token not valid; expected one of {[u['token'] for u in USERS if u['token']]}"
        }
    return body


def _keys_in_error(body: dict[str, Any]) -> dict[str, Any]:
    if body["result"]["code"] == 210:
        return body | {"error": f"invalid API key; this server knows: {API_KEY}"}
    return body


def _stored_token_in_header(body: dict[str, Any]) -> dict[str, Any]:
    call = _call_object()
    user = call.get("user") if isinstance(call, dict) else None
    asked = user.get("identifier") if isinstance(user, dict) else None
    stored = next((u["token"] for u in USERS if u["identifier"] == asked and u["token"]), None)
    if stored is not None:

        @after_this_request
        def debug(response: Any) -> Any:
            response.headers["X-Debug-Token"] = stored  # "what the lookup compared against"
            return response

    return body


MUTANTS: dict[str, Mutant] = {
    # --- Transport and HTTP: how the request arrives (method, path, headers, framing, bytes) ------
    "crash-without-json-content-type": Mutant(
        "robustness",
        "not-a-server-error",
        "500 when Content-Type is not application/json",
        with_hooks(before=_crash_without_json_type),
    ),
    "charset-refused": Mutant(
        "robustness",
        "success-answered",
        "Content-Type application/json; charset=utf-8 refused with 415",
        with_hooks(before=_strict_content_type),
    ),
    "crash-on-content-encoding": Mutant(
        "robustness",
        "not-a-server-error",
        "500 for any Content-Encoding",
        with_hooks(before=_crash_on_header("Content-Encoding")),
    ),
    "crash-on-chunked": Mutant(
        "robustness",
        "not-a-server-error",
        "500 without Content-Length",
        with_hooks(before=_needs_content_length),
    ),
    "crash-on-big-body": Mutant(
        "robustness",
        "not-a-server-error",
        "500 for bodies over 500 kB",
        with_hooks(before=_crash_on_big_body),
    ),
    "crash-on-bom": Mutant(
        "robustness", "not-a-server-error", "500 for a body after a BOM", with_hooks(before=_crash_on_bom)
    ),
    "crash-on-non-ascii": Mutant(
        "robustness",
        "not-a-server-error",
        "500 on any non-ASCII byte",
        with_hooks(before=_crash_on_non_ascii),
    ),
    "hangs-up-on-non-ascii": Mutant(
        "robustness",
        "server-answers",
        "the connection is closed without an answer for non-ASCII bodies",
        with_hooks(before=_hang_up_on_non_ascii),
    ),
    "dies-on-non-ascii": Mutant(
        "robustness",
        "server-answers",
        "the process exits on the first non-ASCII body: that request gets no answer, and the run stops",
        with_hooks(before=_exit_on_non_ascii),
        suite_args=("--retries", "0"),  # no retry: the next case is refused once and the target is gone
    ),
    "crash-on-get": Mutant(
        "robustness", "not-a-server-error", "500 for GET", with_hooks(serves=_crash_on_get)
    ),
    "get-answers-the-call": Mutant(
        "authentication",
        "not-the-call-no-data",
        "GET is served like POST",
        with_hooks(serves=_get_too),
    ),
    "sub-paths-answer-the-call": Mutant(
        "authentication",
        "not-the-call-no-data",
        "any path below the call's answers it",
        with_hooks(serves=_below_call_too),
    ),
    # --- Partner authentication: the API key, and where a server looks for it ---------------------
    "ignores-api-key": Mutant(
        "authentication",
        "partner-auth-refused",
        "no API key check",
        with_hooks(key_ok=lambda header, keys: True),
    ),
    "key-without-prefix": Mutant(
        "authentication",
        "partner-auth-refused",
        "accepts the key without 'key='",
        with_hooks(key_ok=lambda h, keys: key_ok(h, keys) or h in keys),
    ),
    "key-prefix-match": Mutant(
        "authentication",
        "partner-auth-refused",
        "compares only the key's start",
        with_hooks(key_ok=lambda h, keys: bool(h) and any(h.startswith("key=" + k) for k in keys)),
    ),
    "api-key-last-char-ignored": Mutant(
        "authentication",
        "partner-auth-refused",
        "the key's last character is not compared",
        with_hooks(key_ok=_key_last_ignored),
    ),
    "empty-authorization-accepted": Mutant(
        "authentication",
        "partner-auth-refused",
        "an empty Authorization header passes",
        with_hooks(key_ok=_empty_header_passes),
    ),
    "api-key-in-other-header": Mutant(
        "authentication",
        "partner-auth-refused",
        "without Authorization, X-Api-Key or ?key= is taken",
        with_hooks(key_ok=_key_elsewhere),
    ),
    "api-key-in-body": Mutant(
        "authentication",
        "partner-auth-refused",
        "without Authorization, an api-key field in the call is taken",
        with_hooks(key_ok=_key_in_body),
    ),
    "cookie-session": Mutant(
        "authentication",
        "partner-auth-refused",
        "a success sets a cookie that later stands in for the key",
        with_hooks(success=_set_cookie, key_ok=_cookie_session),
    ),
    "legacy-path-without-key": Mutant(
        "authentication",
        "not-the-call-no-data",
        "/api/v3/request answers the call without checking the key",
        with_hooks(serves=serves_v3_too, key_ok=_key_not_on(path="/api/v3/request")),
    ),
    "get-without-key": Mutant(
        "authentication",
        "not-the-call-no-data",
        "GET answers the call without checking the key",
        with_hooks(serves=_get_too, key_ok=_key_not_on(method="GET")),
    ),
    "no-key-for-token-lookups": Mutant(
        "authentication",
        "partner-auth-refused",
        "identifier-type token skips the API key check",
        with_hooks(key_ok=_no_key_for_token_lookups),
    ),
    "user-checked-before-key": Mutant(
        "authentication",
        "partner-auth-refused",
        "without a key, user errors (140/144/145) come first: an oracle for strangers",
        with_hooks(key_ok=_user_before_key),
    ),
    # --- Request validation: parsing the body, checking the envelope and the user object ----------
    "crash-on-bad-json": Mutant(
        "robustness", "not-a-server-error", "500 when the body is not JSON", with_hooks(parse=_parse_or_crash)
    ),
    "crash-on-huge-number": Mutant(
        "robustness",
        "not-a-server-error",
        "500 for a 5000-digit integer (ValueError not caught)",
        with_hooks(parse=_parse_decode_errors_only),
    ),
    "crash-on-deep-nesting": Mutant(
        "robustness",
        "not-a-server-error",
        "500 for 10,000 nested arrays (RecursionError)",
        with_hooks(parse=_parse_no_depth_limit),
    ),
    "empty-200-for-bad-json": Mutant(
        "robustness",
        "bad-input-rejected",
        "a body that is not JSON gets HTTP 200 and no body",
        with_hooks(
            parse=_empty_200_on_bad_json,
            error=lambda b: {} if not b["error"] else b,
            dumps=lambda b: "" if not b else json.dumps(b),
        ),
    ),
    "crash-on-empty-object": Mutant(
        "robustness", "not-a-server-error", "500 for the body {}", with_hooks(envelope=_first_key_of)
    ),
    "two-call-keys-accepted": Mutant(
        "robustness", "bad-input-rejected", "extra top-level keys ignored", with_hooks(envelope=_first_key)
    ),
    "routes-by-raw-prefix": Mutant(
        "robustness",
        "success-answered",
        "the call is recognised only in compact JSON",
        with_hooks(before=_route_by_raw_prefix),
    ),
    "identifier-by-regex": Mutant(
        "robustness",
        "success-answered",
        "the identifier read from the raw text: \\u escapes not decoded",
        with_hooks(parse=_identifier_by_regex),
    ),
    "unknown-type-accepted": Mutant(
        "robustness", "bad-input-rejected", "unknown identifier-type as username", with_hooks(user=_any_type)
    ),
    "crash-on-wrong-types": Mutant(
        "robustness",
        "not-a-server-error",
        "500 when identifier is not a string",
        with_hooks(user=_no_type_checks),
    ),
    "crash-on-long-identifier": Mutant(
        "robustness",
        "not-a-server-error",
        "500 on identifiers over 1000 chars",
        with_hooks(user=_crash_on_long),
    ),
    "strips-whitespace-before-measuring": Mutant(
        "robustness",
        "bad-input-rejected",
        "the identifier is stripped of surrounding whitespace, then measured: 300 characters pass",
        with_hooks(user=_measured_after(str.strip)),
        alone=True,
    ),
    "strips-zero-width-before-measuring": Mutant(
        "robustness",
        "bad-input-rejected",
        "zero-width characters and U+FEFF are removed from the identifier, then it is measured",
        with_hooks(user=_measured_after(_without_zero_width)),
        alone=True,
    ),
    "crash-on-null-token": Mutant(
        "robustness",
        "not-a-server-error",
        "500 for token null with rfid, evco-id or token",
        with_hooks(user=_crash_on_null_token),
    ),
    "hang-on-empty-token": Mutant(
        "robustness",
        "server-answers",
        "hangs when the token is empty",
        with_hooks(before=_hang_on_empty_token),
    ),
    # --- User authentication: the token, and how the user is looked up ----------------------------
    "ignores-token": Mutant(
        "authentication", "user-auth-refused", "any token is accepted", with_hooks(find=_ignore_token)
    ),
    "token-prefix-compare": Mutant(
        "authentication",
        "user-auth-refused",
        "a truncated or other-case token is accepted",
        with_hooks(find=_token_prefix),
    ),
    "token-trimmed": Mutant(
        "authentication",
        "user-auth-refused",
        "the token is stripped before comparing",
        with_hooks(find=_token_trimmed),
    ),
    "token-last-char-ignored": Mutant(
        "authentication",
        "user-auth-refused",
        "the token's last character is not compared",
        with_hooks(find=_token_last_ignored),
    ),
    "username-without-token": Mutant(
        "authentication",
        "user-auth-refused",
        "a username needs no token",
        with_hooks(find=_username_without_token),
    ),
    "lookup-by-token": Mutant(
        "authentication", "user-auth-refused", "finds the user by token alone", with_hooks(find=_by_token)
    ),
    "token-only-for-usernames": Mutant(
        "authentication",
        "user-auth-refused",
        "lookup ignores identifier-type; the token is checked only for username",
        with_hooks(find=_any_type_token_for_username),
    ),
    "token-accepted-across-users": Mutant(
        "authentication",
        "cross-user-auth-refused",
        "a user's identifier is accepted with any user's token",
        with_hooks(find=_any_users_token),
        alone=True,
    ),
    "session-leaks-across-users": Mutant(
        "authentication",
        "no-cross-user-data",
        "every other user's history also lists one of Ada's sessions",
        with_hooks(find=_station_join_leak),
        alone=True,
    ),
    "answers-swapped-under-concurrency": Mutant(
        "authentication",
        "answer-belongs-to-asker",
        "the user found is kept in one slot all request threads share: overlapping requests swap answers",
        with_hooks(find=_one_slot_for_all()),
        alone=True,
    ),
    "identifier-prefix-lookup": Mutant(
        "authentication",
        "user-auth-refused",
        "usernames found by prefix (LIKE 'x%')",
        with_hooks(find=_prefix_lookup),
    ),
    "normalised-identifier-other-user": Mutant(
        "authentication",
        "no-foreign-data",
        "an identifier that needed trimming or case folding is answered with another user's sessions",
        with_hooks(find=_normalised_hits_another_row),
        alone=True,
    ),
    "unknown-user-empty-success": Mutant(
        "authentication",
        "user-auth-refused",
        "unknown users get code 0 []",
        with_hooks(find=_unknown_is_empty),
    ),
    "unknown-rfid-other-user": Mutant(
        "authentication",
        "user-auth-refused",
        "unknown rfid gets Ada's data",
        with_hooks(find=_fallback_first),
    ),
    # --- Response encoding: the answer's JSON, Content-Type and charset ---------------------------
    "success-as-html": Mutant(
        "schema",
        "json-content-type",
        "success sent as text/html",
        with_hooks(content_type="text/html; charset=utf-8"),
    ),
    "text-json-content-type": Mutant(
        "schema", "json-content-type", "JSON sent as text/json", with_hooks(content_type="text/json")
    ),
    "json-in-latin-1": Mutant(
        "schema",
        "json-content-type",
        "JSON declared as ISO-8859-1",
        with_hooks(content_type="application/json; charset=iso-8859-1"),
    ),
    "latin-1-answer": Mutant(
        "schema",
        "json-body",
        "bodies encoded in ISO-8859-1 while declared as JSON (UTF-8)",
        with_hooks(dumps=lambda body: json.dumps(body, ensure_ascii=False).encode("latin-1", "replace")),
    ),
    "bom-in-answer": Mutant(
        "schema",
        "json-body",
        "every body starts with a UTF-8 BOM",
        with_hooks(dumps=_dumps_then(lambda t: "\ufeff" + t)),
    ),
    "nan-energy": Mutant(
        "schema",
        "json-body",
        "energy-consumed NaN (not JSON)",
        with_hooks(success=_nan, dumps=json.dumps),
    ),
    "energy-overflow": Mutant(
        "schema",
        "json-body",
        "energy-consumed written as 1e999 (beyond any double)",
        with_hooks(
            dumps=_success_text(lambda t: t.replace('"energy-consumed": 7', '"energy-consumed": 7e999'))
        ),
    ),
    "duplicate-result-key": Mutant(
        "schema",
        "json-body",
        "success body with a second, earlier result key (code 100)",
        with_hooks(
            dumps=_success_text(lambda t: '{"result": {"code": 100, "message": "System error."}, ' + t[1:])
        ),
    ),
    "trailing-garbage-in-answer": Mutant(
        "schema",
        "json-body",
        "success body followed by a debug comment",
        with_hooks(dumps=_success_text(lambda t: t + "\n<!-- 3 ms -->")),
    ),
    # --- Response shape: the fields of an answer and the forms of their values --------------------
    "code-as-string": Mutant(
        "schema",
        "success-answered",
        'result.code sent as the string "0"',
        with_hooks(success=lambda b: b | {"result": {"code": "0", "message": "Success."}}),
    ),
    "success-without-message": Mutant(
        "schema",
        "response-schema",
        "result.message missing on success",
        with_hooks(success=lambda b: b | {"result": {"code": 0}}),
    ),
    "error-message-null": Mutant(
        "schema",
        "response-schema",
        "error results with message null",
        with_hooks(error=_error_result(lambda r: r | {"message": None})),
    ),
    "sessions-as-object": Mutant(
        "schema",
        "success-answered",
        "user.sessions an object keyed by external id",
        with_hooks(
            success=lambda b: (
                b | {"user": {"sessions": {s["external-session-id"]: s for s in b["user"]["sessions"]}}}
            )
        ),
    ),
    "missing-currency": Mutant(
        "schema",
        "response-schema",
        "a required field omitted",
        with_hooks(success=_each_session(lambda s: s.pop("currency"))),
    ),
    "cost-as-number": Mutant(
        "schema",
        "response-schema",
        "cost sent as a JSON number",
        with_hooks(success=_each_session(_set("cost", float))),
    ),
    "cost-with-plus-sign": Mutant(
        "schema",
        "response-schema",
        'cost "+3.15"',
        with_hooks(success=_each_session(_set("cost", lambda c: "+" + c))),
    ),
    "date-time-with-z": Mutant(
        "schema",
        "response-schema",
        "request-sent with Z (strict wants +hh:mm)",
        with_hooks(success=_each_session(_set("request-sent", lambda _: "2026-11-18T07:59:30Z"))),
    ),
    "in-progress-end-empty": Mutant(
        "schema",
        "response-schema",
        'a session in progress has end ""',
        with_hooks(success=_each_session(_in_progress_end_empty)),
    ),
    "connector-id-as-string": Mutant(
        "schema",
        "response-schema",
        "connector-id sent as a string",
        with_hooks(success=_each_session(_set("connector-id", str))),
    ),
    "connector-id-as-float": Mutant(
        "schema",
        "integers-as-integers",
        "connector-id written as 401.0",
        with_hooks(success=_each_session(_set("connector-id", float))),
    ),
    "connector-id-beyond-int64": Mutant(
        "schema",
        "integers-as-integers",
        "connector-id beyond a signed 64-bit integer",
        with_hooks(success=_each_session(_set("connector-id", lambda v: v + 2**64))),
    ),
    # --- Session data: rules between a session's fields (the spec's invariants) -------------------
    "end-before-start": Mutant(
        "semantics",
        "interval-end-not-before-start",
        "session end before start",
        with_hooks(success=_each_session(_end_before_start)),
    ),
    "ended-session-without-start": Mutant(
        "semantics",
        "intervals-start-before-they-end",
        "finished sessions lose their start",
        with_hooks(success=_each_session(_start_lost)),
    ),
    "charging-outside-session": Mutant(
        "semantics",
        "charging-inside-session",
        "charging ends after the session",
        with_hooks(success=_each_session(_charging_outside)),
    ),
    "last-session-charges-before-start": Mutant(
        "semantics",
        "charging-inside-session",
        "only the last session's charging starts before the session",
        with_hooks(success=_last_session(_charging_before_session)),
    ),
    "negative-energy": Mutant(
        "semantics",
        "energy-not-negative",
        "negative energy",
        with_hooks(success=_each_session(_set("energy-consumed", lambda _: -1.5))),
    ),
    "currency-lower-case": Mutant(
        "schema",
        "currency-is-iso4217",
        "currency in lower case",
        with_hooks(success=_each_session(_set("currency", _lower))),
    ),
    # --- Result codes and HTTP statuses: the code, the status and the body agree ------------------
    "error-without-result": Mutant(
        "schema",
        "result-code-documented",
        "error bodies without result",
        with_hooks(error=lambda body: {"error": body["error"]}),
    ),
    "undocumented-code": Mutant(
        "consistency",
        "result-code-documented",
        "wrong token answered with 146",
        with_hooks(
            error=lambda b: (
                b
                | {
                    "result": {
                        "code": b["result"]["code"] + 1
                        if b["result"]["code"] == 145
                        else b["result"]["code"],
                        "message": "x",
                    }
                }
            )
        ),
    ),
    "error-code-as-float": Mutant(
        "consistency",
        "result-code-documented",
        "error codes written as floats (145.0)",
        with_hooks(error=_error_result(lambda r: r | {"code": float(r["code"])})),
    ),
    "code-zero-in-errors": Mutant(
        "consistency",
        "code-zero-iff-sessions",
        "errors carry result code 0",
        with_hooks(error=lambda b: b | {"result": {"code": 0, "message": b["error"]}}),
    ),
    "success-with-error": Mutant(
        "consistency",
        "code-zero-iff-sessions",
        'success bodies carry "error": "no error"',
        with_hooks(success=lambda b: b | {"error": "no error"}),
    ),
    "sessions-in-error-body": Mutant(
        "consistency",
        "code-zero-iff-sessions",
        "error bodies carry sessions",
        with_hooks(error=_sessions_in_errors),
    ),
    "sessions-top-level-only": Mutant(
        "consistency",
        "code-zero-iff-sessions",
        "sessions at the top, not in user",
        with_hooks(success=_top_level),
    ),
    "wrong-token-as-230": Mutant(
        "authentication",
        "user-auth-refused",
        "a wrong token answered as an invalid request",
        with_hooks(error=_recode(145, 230)),
    ),
    "bad-api-key-as-140": Mutant(
        "authentication",
        "partner-auth-refused",
        "a bad API key answered as a user-auth failure",
        with_hooks(error=_recode(210, 140)),
    ),
    "success-status-201": Mutant(
        "consistency",
        "status-matches-result",
        "success with HTTP 201",
        with_hooks(status=lambda code, status: 201 if code == 0 else status),
    ),
    "auth-error-status-302": Mutant(
        "consistency",
        "status-matches-result",
        "user-auth errors with HTTP 302",
        with_hooks(status=lambda code, s: 302 if code in {140, 144, 145} else s),
    ),
    "unknown-user-204": Mutant(
        "consistency",
        "user-auth-refused",
        "an unknown user gets HTTP 204 and no body",
        with_hooks(
            status=lambda code, s: 204 if code in {140, 144} else s,
            dumps=lambda b: "" if b.get("result", {}).get("code") in {140, 144} else json.dumps(b),
        ),
    ),
    "bad-key-redirect": Mutant(
        "consistency",
        "partner-auth-refused",
        "a bad key is redirected (302) to a login page",
        with_hooks(
            status=lambda code, s: 302 if code == 210 else s,
            dumps=lambda b: (
                "<a href=/login>login</a>" if b.get("result", {}).get("code") == 210 else json.dumps(b)
            ),
        ),
    ),
    "finished-sessions-drift": Mutant(
        "consistency",
        "finished-sessions-stable",
        "ended sessions gain energy on every answer",
        with_hooks(success=_energy_recounted()),
        alone=True,
        warns=True,
    ),
    "finished-session-drifts-among-shared-ids": Mutant(
        "consistency",
        "finished-sessions-stable",
        "sessions share one external-session-id (as the document's example does); the last ended one "
        "gains energy on every answer",
        with_hooks(success=_last_finished_recounted()),
        alone=True,
        warns=True,
        path="$.user.sessions[2].energy-consumed",
    ),
    # --- Answer times ---------------------------------------------------------------------------
    "slow-answers": Mutant(
        "robustness",
        "known-good-latency",
        "every success takes 150 ms, judged with a budget of 100 ms",
        with_hooks(success=_slowly),
        alone=True,
        suite_args=("--latency-budget", "100"),
    ),
    # --- Secrets: what an error answer must not quote ---------------------------------------------
    "expected-token-in-error": Mutant(
        "authentication",
        "secrets-not-disclosed",
        "145 errors name the expected tokens",
        with_hooks(error=_expected_token),
        path="$.error",
    ),
    "expected-token-in-header": Mutant(
        "authentication",
        "secrets-not-disclosed",
        "refusals carry the asked-for user's stored token in a response header, X-Debug-Token",
        with_hooks(error=_stored_token_in_header),
        alone=True,
        path="headers.X-Debug-Token",
    ),
    "api-key-in-error": Mutant(
        "authentication",
        "secrets-not-disclosed",
        "210 errors name the valid key",
        with_hooks(error=_keys_in_error),
        path="$.error",
    ),
}
