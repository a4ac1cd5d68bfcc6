"""The fixed cases: every negative and tolerated request, derived from the one known-good user.

Each table is a function of the run's settings returning ``Row``s, one a case: its name, what is sent,
what a correct server does (its ``Expect``, and so which checks judge it) and what it probes; a table's
docstring cites the decision its rows prove. ``fixed_cases(config)`` is every table's rows as cases, in
the order sent. Adding a case is adding a row.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import spec
from contract_tests.config import Config
from contract_tests.model import (
    ANY_ERROR_FAMILIES,
    LATENCY_GROUP,
    PARTNER_AUTH_FAMILIES,
    USER_AUTH_FAMILIES,
    Case,
    Expect,
    Kind,
    User,
)

JSON_HEADERS = {"Content-Type": "application/json"}
KNOWN = Expect(Kind.KNOWN)
USER_AUTH = Expect(Kind.USER_AUTH, USER_AUTH_FAMILIES)
PARTNER_AUTH = Expect(Kind.PARTNER_AUTH, PARTNER_AUTH_FAMILIES)
BAD_INPUT = Expect(Kind.BAD_INPUT, ANY_ERROR_FAMILIES)
LENIENT = Expect(Kind.LENIENT, ANY_ERROR_FAMILIES)
GROUPS = {
    "success": "success",
    "auth": "authentication",
    "bad": "bad-input",
    "identity": "identity",
    "tolerated": "tolerated",
    "protocol": "protocol",
    "cross": "cross-user",
    "concurrent": "concurrency",
    "repeat": "repeat",
    "latency": LATENCY_GROUP,
}
DENIED = Expect(Kind.DENIED, ANY_ERROR_FAMILIES)


def _hex(seed: int, label: str, length: int) -> str:
    """A deterministic random-looking hex string (the same for the same seed and label)."""
    return hashlib.sha256(f"{seed}:{label}".encode()).hexdigest()[:length]


def unknown_identifier(identifier_type: str, seed: int) -> str:
    """A well-formed identifier of this type that no real user has (seeded, so runs replay)."""
    table: dict[str, Callable[[], str]] = {
        "evco-id": lambda: f"ZZ*CTS*{_hex(seed, 'evco', 9).upper()}*0",
        "rfid": lambda: _hex(seed, "rfid", 20).upper(),
        "username": lambda: f"contract-probe-{_hex(seed, 'user', 12)}@example.invalid",
        "token": lambda: _hex(seed, "token", 32),
    }
    return table[identifier_type]()


def envelope(user: Any) -> dict[str, Any]:
    return {spec.CALL: {"user": user}}


@dataclass(frozen=True)
class Row:
    """One case as data. Unless a row says otherwise the request is the known-good one's: POST to
    ``--path``, JSON, with the right API key."""

    name: str  # "group/what": the case's id in reports; its first part names the group (GROUPS)
    body: Any  # the JSON value sent, or bytes sent as they are
    expect: Expect
    note: str  # one line for people: what the case probes
    headers: dict[str, str] | None = None  # None: JSON Content-Type and the right API key
    path: str | None = None  # None: --path
    method: str = "POST"
    chunked: bool = False
    ascii_only: bool = False  # JSON with non-ASCII escaped (a lone surrogate is sendable no other way)


def _case(config: Config, row: Row) -> Case:
    """The case a row describes, on this run's settings."""
    headers = dict(JSON_HEADERS | config.auth_header()) if row.headers is None else row.headers
    body = row.body if isinstance(row.body, bytes) else Case.json_body(row.body, ascii_only=row.ascii_only)
    group = GROUPS[row.name.split("/", 1)[0]]
    return Case(row.name, group, headers, body, row.expect, row.note, row.method, row.path, row.chunked)


def _slug(user: User) -> str:
    return user.value.replace(" ", "-")


def success_case(config: Config, user: User = User.KNOWN) -> Case:
    """The known-good request of ``user`` (the known user, or the second one)."""
    note = f"the {user} with the right token and API key"
    return _case(
        config,
        Row(f"success/{_slug(user)}", envelope(config.identity(user)), replace(KNOWN, user=user), note),
    )


def _wrong_token(config: Config) -> str:
    return _hex(config.seed, "wrong-token", 32)


def _token_checked(config: Config) -> bool:
    """Whether the known user has a token that is checked: not one ignored beside a token identifier (D11)."""
    return config.token is not None and config.identifier_type != "token"


def _stranger(config: Config, kind: str) -> dict[str, str]:
    """A user of identifier-type ``kind`` that no server has, without a token."""
    return {"identifier-type": kind, "identifier": unknown_identifier(kind, config.seed)}


def _other(char: str) -> str:
    """A different character of the same kind (digit for digit, letter for letter)."""
    if char.isdigit():
        return "0" if char != "0" else "1"
    if char.isalpha():
        return "a" if char.lower() != "a" else "b"
    return "x"


def token_rows(config: Config) -> list[Row]:
    """The known user with a wrong, near-miss (D25, D32), missing or null token. A wrong one is refused
    where a token is checked: not with identifier-type token (D11); a missing one only for a username
    (D12)."""
    known, token = config.identity(), config.token
    has_token = _token_checked(config)
    rows = [
        Row(
            "auth/wrong-token",
            envelope(known | {"token": _wrong_token(config)}),
            USER_AUTH if has_token else LENIENT,
            "the known user with a wrong token",
        )
    ]
    if has_token and token:
        near_misses = {
            "token-other-case": token.swapcase(),
            "token-truncated": token[:-1],
            "token-with-suffix": token + "0",
            "token-with-prefix": "0" + token,
            "token-last-changed": token[:-1] + _other(token[-1]),
            "token-first-changed": _other(token[0]) + token[1:],
            "token-leading-space": " " + token,
            "token-trailing-space": token + " ",
        }
        rows += [
            Row(
                f"auth/{name}",
                envelope(known | {"token": near}),
                USER_AUTH,
                f"the known user with a near-miss token ({name})",
            )
            for name, near in near_misses.items()
            if near and near != token
        ]
    if config.identifier_type != "token":
        without = {k: v for k, v in known.items() if k != "token"}
        missing = USER_AUTH if has_token and config.identifier_type == "username" else LENIENT
        rows += [
            Row("auth/no-token", envelope(without), missing, "the known user without a token"),
            Row(
                "auth/null-token",
                envelope(without | {"token": None}),
                missing,
                "the known user with token null",
            ),
        ]
    return rows


def unknown_user_rows(config: Config) -> list[Row]:
    """A user of every identifier-type that no server has, with any token or none: refused (D12)."""
    tokens: dict[str, tuple[dict[str, str | None], str]] = {
        "": ({"token": _wrong_token(config)}, "with a made-up token"),
        "-known-token": (
            {"token": config.token},
            "with the known user's token (lookup must use the identifier)",
        ),
        "-no-token": ({}, "without a token"),
        "-null-token": ({"token": None}, "with token null"),
    }
    return [
        Row(
            f"auth/unknown-{kind}{suffix}",
            envelope(_stranger(config, kind) | token),
            USER_AUTH,
            f"an unknown {kind} {note}",
        )
        for kind in spec.IDENTIFIER_TYPES
        for suffix, (token, note) in tokens.items()
        if suffix != "-known-token" or config.token is not None
    ]


def api_key_rows(config: Config) -> list[Row]:
    """The known user's request with the API key missing or not the key (D25), or the right key
    anywhere but the ``key=`` scheme of the Authorization header (D30): refused."""
    known, key = config.identity(), config.api_key
    body = envelope(known)
    bad_keys: dict[str, str | None] = {  # the Authorization header sent; None: none
        "no-api-key": None,
        "wrong-api-key": f"key={_hex(config.seed, 'api-key', 32)}",
        "api-key-without-prefix": key,
        "api-key-bearer": f"Bearer {key}",
        "empty-api-key": "key=",
        "api-key-with-suffix": f"key={key}x",
        "api-key-with-prefix": f"key=0{key}",
        "api-key-truncated": f"key={key[:-1]}",
        "api-key-last-changed": f"key={key[:-1]}{_other(key[-1])}",
        "api-key-empty-header": "",
    }
    if key.swapcase() != key:
        bad_keys["api-key-upper-case"] = f"key={key.swapcase()}"
    rows = [
        Row(
            f"auth/{name}",
            body,
            PARTNER_AUTH,
            f"the known user, API key: {name.replace('-', ' ')}",
            headers=dict(JSON_HEADERS) if header is None else JSON_HEADERS | {"Authorization": header},
        )
        for name, header in bad_keys.items()
    ]
    query = "&".join(f"{name}={quote(key, safe='')}" for name in ("key", "api_key", "apikey"))
    basic = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    elsewhere = "no Authorization header; the right key"
    return [
        *rows,
        Row(
            "auth/api-key-in-other-headers",
            body,
            PARTNER_AUTH,
            f"{elsewhere} in other headers",
            headers=JSON_HEADERS | {"X-Api-Key": key, "Api-Key": f"key={key}"},
        ),
        Row(
            "auth/api-key-in-query",
            body,
            PARTNER_AUTH,
            f"{elsewhere} in query",
            headers=dict(JSON_HEADERS),
            path=f"{config.path}?{query}",
        ),
        Row(
            "auth/api-key-basic",
            body,
            PARTNER_AUTH,
            f"{elsewhere} basic",
            headers=JSON_HEADERS | {"Authorization": basic},
        ),
        Row(
            "auth/api-key-in-body",
            {spec.CALL: {"user": known, "api-key": key, "key": key, "authorization": f"key={key}"}},
            PARTNER_AUTH,
            f"{elsewhere} in the call object",
            headers=dict(JSON_HEADERS),
        ),
    ]


def no_api_key_rows(config: Config) -> list[Row]:
    """No API key and a user that must be refused: the key is checked first, so nothing about the user
    may be answered (D31)."""
    wrong = {"token": _wrong_token(config)}
    users = {"wrong-token": config.identity() | wrong} | {
        f"unknown-{kind}": _stranger(config, kind) | wrong for kind in spec.IDENTIFIER_TYPES
    }
    return [
        Row(
            f"auth/no-api-key-{name}",
            envelope(user),
            PARTNER_AUTH,
            f"no API key, and {name.replace('-', ' ')}",
            headers=dict(JSON_HEADERS),
        )
        for name, user in users.items()
    ]


def _long(length: int) -> str:
    return ("x" * length)[:length]


def over_long_identifiers(identifier: str) -> dict[str, tuple[str, str]]:
    """The known identifier padded to one character over the limit (D13) with what a server may strip
    before it measures: whitespace (Python's ``strip`` takes NBSP too, Java's ``trim`` only ASCII),
    zero-width characters, a byte order mark, combining marks (accent folding). Stripped, each is the
    known user's identifier, so success here hands out the known user's sessions. NFC/NFKC are left out:
    neither folds a longer string into an identifier of printable ASCII."""
    pad = max(spec.IDENTIFIER_LENGTH[1] + 1 - len(identifier), 1)
    half = pad // 2
    padded = {
        "trailing-spaces": (identifier + " " * pad, "trailing spaces"),
        "leading-spaces": (" " * pad + identifier, "leading spaces"),
        "tabs-and-newlines": (
            "\t" * half + identifier + "\r\n" * ((pad - half + 1) // 2),
            "tabs before it, CR LF after it",
        ),
        "trailing-nbsp": (identifier + "\u00a0" * pad, "trailing no-break spaces (U+00A0)"),
        "trailing-zero-width-spaces": (identifier + "\u200b" * pad, "trailing zero-width spaces (U+200B)"),
        "zero-width-spaces-inside": (
            identifier[:1] + "\u200b" * pad + identifier[1:],
            "zero-width spaces (U+200B) after its first character",
        ),
        "leading-byte-order-marks": ("\ufeff" * pad + identifier, "leading U+FEFF (byte order marks)"),
        "trailing-combining-marks": (
            identifier + "\u0301" * pad,
            "trailing combining acute accents (U+0301)",
        ),
    }
    return {
        f"identifier-over-long-{name}": (text, f"the known identifier with {note}: {len(text)} characters")
        for name, (text, note) in padded.items()
    }


def _bad_inputs(table: dict[str, tuple[Any, str]]) -> list[Row]:
    """Rows of a table of malformed requests (name: what is sent, the note): each rejected."""
    return [Row(f"bad/{name}", body, BAD_INPUT, note) for name, (body, note) in table.items()]


def _replace_identifier(config: Config, literal: str) -> bytes:
    """The known user's request with the identifier replaced by a raw JSON literal (e.g. a huge number)."""
    marker = "__identifier__"
    raw = Case.json_body(envelope(config.identity() | {"identifier": marker}))
    return raw.replace(Case.json_body(marker), literal.encode())


_DROP = object()


def malformed_body_rows(config: Config) -> list[Row]:
    """Bodies that are not the request's JSON object, each carrying the known user where it can:
    success would be a leak."""
    call = {"user": config.identity()}
    return _bad_inputs(
        {
            "empty-body": (b"", "an empty body"),
            "not-json": (spec.CALL.encode(), "a body that is not JSON"),
            "truncated-json": (json.dumps({spec.CALL: call})[:-2].encode(), "JSON cut short"),
            "not-utf8": (
                json.dumps({spec.CALL: call}).encode().replace(b'"user"', b'"us\xffer"'),
                "JSON with an invalid UTF-8 byte",
            ),
            "json-nan": (json.dumps({spec.CALL: {"user": math.nan}}).encode(), "NaN is not JSON"),
            "json-array": (b"[]", "a JSON array"),
            "json-string": (json.dumps(spec.CALL).encode(), "a JSON string"),
            "json-null": (b"null", "JSON null"),
            "json-number": (b"42", "a JSON number"),
            "empty-object": (b"{}", "an empty JSON object (no call key)"),
            "huge-integer": (
                _replace_identifier(config, "9" * 5000),
                "identifier is an integer of 5000 digits",
            ),
            "huge-exponent": (
                _replace_identifier(config, "1e400"),
                "identifier is 1e400 (beyond any double)",
            ),
            "deeply-nested-user": (
                Case.json_body({spec.CALL: {"user": None}}).replace(b"null", b"[" * 10_000 + b"]" * 10_000),
                "user nested 10,000 arrays deep",
            ),
        }
    )


def bad_field_rows(config: Config) -> list[Row]:
    """The envelope (D15) or the known user's fields (D13, D14) broken one at a time: rejected."""
    known = config.identity()
    call = {"user": known}

    def user_with(**changes: Any) -> dict[str, Any]:
        """The known user's request with fields set (``identifier_type``: identifier-type), or dropped
        (``_DROP``)."""
        user: dict[str, Any] = dict(known)
        for key, value in changes.items():
            field = key.replace("_", "-")
            if value is _DROP:
                user.pop(field, None)
            else:
                user[field] = value
        return envelope(user)

    return _bad_inputs(
        {
            "two-call-keys": ({spec.CALL: call, "user-get-sessions": call}, "two call keys"),
            "unknown-call": ({"user-get-all-sessions": call}, "an unknown call name"),
            "call-not-object": ({spec.CALL: [call]}, "the call's value is a list"),
            "call-null": ({spec.CALL: None}, "the call's value is null"),
            "missing-user": ({spec.CALL: {}}, "no user"),
            "user-not-object": ({spec.CALL: {"user": config.identifier}}, "user is a string"),
            "user-null": ({spec.CALL: {"user": None}}, "user is null"),
            "user-empty-object": ({spec.CALL: {"user": {}}}, "user is an empty object"),
            "user-list": ({spec.CALL: {"user": [known]}}, "user is a list holding the known user"),
            "missing-identifier-type": (user_with(identifier_type=_DROP), "no identifier-type"),
            "missing-identifier": (user_with(identifier=_DROP), "no identifier"),
            "unknown-identifier-type": (
                user_with(identifier_type="email"),
                "identifier-type 'email' (not one of the four)",
            ),
            "identifier-type-upper-case": (
                user_with(identifier_type=config.identifier_type.upper()),
                "identifier-type in upper case",
            ),
            "identifier-type-number": (user_with(identifier_type=1), "identifier-type is a number"),
            "identifier-type-null": (user_with(identifier_type=None), "identifier-type is null"),
            "identifier-type-list": (
                user_with(identifier_type=[config.identifier_type]),
                "identifier-type is a list",
            ),
            "identifier-number": (user_with(identifier=12345), "identifier is a number"),
            "identifier-null": (user_with(identifier=None), "identifier is null"),
            "identifier-list": (user_with(identifier=[config.identifier]), "identifier is a list"),
            "identifier-object": (
                user_with(identifier={"value": config.identifier}),
                "identifier is an object",
            ),
            "identifier-true": (user_with(identifier=True), "identifier is a boolean"),
            "empty-identifier": (user_with(identifier=""), "an empty identifier"),
            "identifier-256": (user_with(identifier=_long(256)), "an identifier of 256 characters"),
            "identifier-5000": (user_with(identifier=_long(5000)), "an identifier of 5000 characters"),
            "identifier-100000": (
                user_with(identifier=_long(100_000)),
                "an identifier of 100,000 characters",
            ),
            "token-number": (user_with(token=12345), "token is a number"),
            "token-list": (user_with(token=[config.token or "x"]), "token is a list"),
            "token-object": (user_with(token={"value": config.token or "x"}), "token is an object"),
            "token-true": (user_with(token=True), "token is a boolean"),
            "empty-token": (user_with(token=""), "an empty token"),
            "token-5000": (user_with(token=_long(5000)), "a token of 5000 characters"),
        }
        | {
            name: (user_with(identifier=text), note)
            for name, (text, note) in over_long_identifiers(config.identifier).items()
        }
    )


# Odd identifiers (name: the identifier, whether it is sendable only with non-ASCII escaped), sent under
# the known user's identifier-type; those of EVERY_TYPE_ODD_IDENTIFIERS under every identifier-type.
ODD_IDENTIFIERS = {
    "identifier-non-ascii": ("ünïcødé-Ω-ユーザー-🚗", False),
    "identifier-emoji-only": ("🔌⚡🚗", False),
    "identifier-nul": ("a\u0000b", False),
    "identifier-control-characters": ("\u0001\u0007\u001b[31m", False),
    "identifier-rtl-override": ("\u202eresu", False),
    "identifier-lone-surrogate": ("\ud800x", True),
    "identifier-whitespace-only": ("   ", False),
    "identifier-sql-quote": ("' OR '1'='1", False),
    "identifier-path": ("../../../../etc/passwd", False),
    "identifier-format-string": ("%s%s%s%n{0}${x}", False),
}
EVERY_TYPE_ODD_IDENTIFIERS = {"identifier-non-ascii", "identifier-nul"}


def odd_identifier_rows(config: Config) -> list[Row]:
    """Identifiers no user has that a careless server may choke on (D13: an unknown user, never a 5xx)."""
    return [
        Row(
            f"bad/{name}/{kind}",
            envelope({"identifier-type": kind, "identifier": text, "token": config.token or "x"}),
            BAD_INPUT,
            f"identifier-type {kind} with an odd identifier {text!r}",
            ascii_only=ascii_only,
        )
        for kind in spec.IDENTIFIER_TYPES
        for name, (text, ascii_only) in ODD_IDENTIFIERS.items()
        if kind == config.identifier_type or name in EVERY_TYPE_ODD_IDENTIFIERS
    ]


def _normalised_variants(ident: str) -> dict[str, str]:
    """The identifier as a server normalising it would read it as the same (D24)."""
    return {
        "leading-space": " " + ident,
        "trailing-space": ident + " ",
        "trailing-newline": ident + "\n",
        "upper-case": ident.upper(),
        "lower-case": ident.lower(),
        "trailing-nul": ident + "\u0000",
        "zero-width-space": ident[:1] + "\u200b" + ident[1:],
        "fullwidth-first": chr(ord(ident[0]) + 0xFEE0) + ident[1:] if "!" <= ident[:1] <= "~" else "",
    }


def identity_rows(config: Config) -> list[Row]:
    """The known identifier slightly changed, with the right token: refused, or the known user's data
    (D24); with a wrong token, refused."""
    ident = config.identifier
    variants = _normalised_variants(ident)
    # D32: other strings under any normalisation: a lookup by prefix, LIKE or glob would find the known
    # user. Refused for usernames and tokens; card and contract ids have check digits a server may
    # drop, so those stay lenient.
    others = {
        "doubled": ident + ident,
        "prefix": ident[:-1],
        "extra-character": ident + "x",
        "like-wildcard": ident[:-1] + "%",
        "like-one-character": ident[:-1] + "_",
        "glob-wildcard": ident[:-1] + "*",
        "regex-dot": ident[:-1] + ".",
    }
    strict = USER_AUTH if config.identifier_type in {"username", "token"} else LENIENT
    first: dict[str, str] = {}  # each text once, under the first name that makes it
    for name, text in (variants | others).items():
        first.setdefault(text, name)
    rows = [
        Row(
            f"identity/{name}",
            envelope(config.identity() | {"identifier": text}),
            strict if name in others else LENIENT,
            f"the known identifier changed ({name}) with the right token",
        )
        for text, name in first.items()
        if text and text != ident
    ]
    if _token_checked(config):
        wrong = {"token": _wrong_token(config)}
        rows += [
            Row(
                f"identity/{name}-wrong-token",
                envelope(config.identity() | {"identifier": variants[name]} | wrong),
                USER_AUTH,
                f"the known identifier changed ({name}) with a wrong token",
            )
            for name in ("leading-space", "upper-case", "trailing-nul")
            if variants[name] and variants[name] != ident
        ]
    return rows


def identifier_type_rows(config: Config) -> list[Row]:
    """The known identifier under every other identifier-type: refused, or the known user's data (D24);
    with a wrong token, refused. The known user's token as a token identifier (D11)."""
    has_token = _token_checked(config)
    wrong = {"token": _wrong_token(config)}
    rows: list[Row] = []
    for kind in spec.IDENTIFIER_TYPES:
        if kind == config.identifier_type:
            continue
        as_kind = config.identity() | {"identifier-type": kind}
        note = f"the known identifier presented as identifier-type {kind}"
        rows.append(Row(f"identity/as-{kind}", envelope(as_kind), LENIENT, note))
        if has_token:
            rows.append(
                Row(
                    f"identity/as-{kind}-wrong-token",
                    envelope(as_kind | wrong),
                    USER_AUTH,
                    f"{note}, with a wrong token",
                )
            )
    if has_token and config.token:
        rows.append(
            Row(
                "identity/token-as-identifier",
                envelope({"identifier-type": "token", "identifier": config.token}),
                LENIENT,
                "the known user's token as an identifier of type token",
            )
        )
    return rows


def known_form_rows(config: Config) -> list[Row]:
    """The known-good request in other forms any JSON client may send: each must succeed as it does."""
    body = envelope(config.identity())
    escaped = json.dumps(config.identifier, ensure_ascii=False).encode()
    units = config.identifier.encode("utf-16-be")  # \\u escapes are UTF-16 code units
    every_char_escaped = (
        '"' + "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)) + '"'
    )
    return [
        Row(
            "success/content-type-charset",
            Case.json_body(body),
            KNOWN,
            "Content-Type application/json; charset=utf-8 (what many HTTP clients send)",
            headers=JSON_HEADERS | {"Content-Type": "application/json; charset=utf-8"} | config.auth_header(),
        ),
        Row(
            "success/pretty-printed",
            (json.dumps(body, indent=4) + "\n").encode(),
            KNOWN,
            "the body indented, with a trailing newline",
        ),
        Row(
            "success/reordered-fields",
            Case.json_body({spec.CALL: {"user": dict(reversed(list(config.identity().items())))}}),
            KNOWN,
            "the user's fields in another order",
        ),
        Row(
            "success/escaped-identifier",
            Case.json_body(body).replace(escaped, every_char_escaped.encode(), 1),
            KNOWN,
            "the identifier written with \\u escapes (the same string)",
        ),
    ]


def tolerated_rows(config: Config) -> list[Row]:
    """Requests a server may accept or refuse: only a 5xx or foreign data fails them. Another
    Content-Type (D18), the ``key=`` scheme in another case (D30), text after the JSON (D37: a streaming
    decoder such as Go's json.Decoder stops after the first value), unknown fields (D15)."""
    body = envelope(config.identity())
    auth, key = config.auth_header(), config.api_key
    encoded = Case.json_body(body)
    by_headers = {
        "no-content-type": auth,
        "content-type-text-plain": auth | {"Content-Type": "text/plain"},
        "content-type-form": auth | {"Content-Type": "application/x-www-form-urlencoded"},
        "api-key-scheme-capitalised": JSON_HEADERS | {"Authorization": f"Key={key}"},
        "api-key-scheme-upper-case": JSON_HEADERS | {"Authorization": f"KEY={key}"},
    }
    nested = Case.json_body({spec.CALL: {"user": config.identity(), "x-deep": None}})
    return [
        *(
            Row(f"tolerated/{name}", encoded, LENIENT, name.replace("-", " "), headers=headers)
            for name, headers in by_headers.items()
        ),
        Row("tolerated/trailing-text", encoded + b" xyz", LENIENT, "the JSON followed by other text"),
        Row("tolerated/two-documents", encoded * 2, LENIENT, "two JSON documents in one body"),
        Row(
            "tolerated/gzip-encoded",
            gzip.compress(encoded, mtime=0),
            LENIENT,
            "the body gzip-compressed, with Content-Encoding: gzip",
            headers=JSON_HEADERS | auth | {"Content-Encoding": "gzip"},
        ),
        Row(
            "tolerated/utf8-bom", b"\xef\xbb\xbf" + encoded, LENIENT, "the body after a UTF-8 byte-order mark"
        ),
        Row(
            "tolerated/utf16",
            encoded.decode().encode("utf-16"),
            LENIENT,
            "the body in UTF-16 (not the protocol's UTF-8)",
        ),
        Row(
            "tolerated/unknown-user-field",
            envelope(config.identity() | {"x-extra": "ignored", "password": None}),
            LENIENT,
            "an unknown field in user",
        ),
        Row(
            "tolerated/unknown-call-field",
            {spec.CALL: {"user": config.identity(), "limit": 5, "x-extra": {"a": [1, 2]}}},
            LENIENT,
            "unknown fields in the call object",
        ),
        *(
            Row(
                f"tolerated/nested-{depth}-deep",
                nested.replace(b"null", b"[" * depth + b"]" * depth),
                LENIENT,
                f"an unknown field nested {depth:,} arrays deep",
            )
            for depth in (200, 10_000)
        ),
        *(
            Row(
                f"tolerated/unknown-field-{size // 1000}-kb",
                {spec.CALL: {"user": config.identity(), "x-padding": "p" * size}},
                LENIENT,
                f"an unknown field of {size // 1000:,} kB",
            )
            for size in (60_000, 1_000_000)
        ),
        Row(
            "tolerated/chunked",
            body,
            LENIENT,
            "the body sent with Transfer-Encoding: chunked (no Content-Length)",
            chunked=True,
        ),
    ]


def protocol_rows(config: Config) -> list[Row]:
    """Not the call: another method or path, with or without the key, is never answered as the call
    (D37)."""
    body = Case.json_body(envelope(config.identity()))
    path = config.path
    sub_path = path.rstrip("/") + "/x"
    others = {
        "other-version": path.replace("/v4/", "/v3/") if "/v4/" in path else path.replace("/v3/", "/v4/"),
        "trailing-slash": path.rstrip("/") + "/",
        "upper-case": path.upper(),
        "sub-path": sub_path,
    }
    return [
        Row(
            "protocol/get-without-key",
            body,
            DENIED,
            "GET with the known user, no API key",
            headers=dict(JSON_HEADERS),
            method="GET",
        ),
        Row(
            "protocol/get-without-body",
            b"",
            DENIED,
            "GET with the API key and no body",
            headers=config.auth_header(),
            method="GET",
        ),
        Row("protocol/get-with-key", body, DENIED, "GET with the API key and the known user", method="GET"),
        Row(
            "protocol/sub-path-with-key",
            body,
            DENIED,
            f"POST {sub_path} with the API key and the known user",
            path=sub_path,
        ),
        *(
            Row(
                f"protocol/{name}-without-key",
                body,
                DENIED,
                f"POST {other} with the known user, no API key",
                headers=dict(JSON_HEADERS),
                path=other,
            )
            for name, other in others.items()
            if other != path
        ),
    ]


def again(case: Case, name: str, kind: Kind | None = None) -> Case:
    """``case`` sent once more under ``name`` (its group from the name's first part), as ``kind``."""
    expect = case.expect if kind is None else replace(case.expect, kind=kind)
    return replace(case, name=name, group=GROUPS[name.split("/", 1)[0]], expect=expect)


CONCURRENT_ROUNDS = 4  # known-good requests per thread in the concurrent phase


def concurrent_cases(config: Config) -> list[Case]:
    """The two users' known-good requests, alternating, ``CONCURRENT_ROUNDS`` per thread (D42); none
    without a second user."""
    if config.second_user is None:
        return []
    users = config.users
    return [
        again(
            success_case(config, user := users[index % len(users)]),
            f"concurrent/{_slug(user)}#{index}",
            Kind.CONCURRENT,
        )
        for index in range(config.concurrency * CONCURRENT_ROUNDS)
    ]


REPEATS = 10  # known-good requests per user after everything else: the answer times judged (D43)


def repeated_cases(config: Config) -> list[Case]:
    """Each user's known-good request ``REPEATS`` times, alternating; then the known user's once more,
    last of all, named ``LATENCY_CASE``: the latency check judges every known-good answer there."""
    repeats = [
        again(success_case(config, user), f"repeat/{_slug(user)}#{index}")
        for index in range(REPEATS)
        for user in config.users
    ]
    return [*repeats, again(success_case(config), LATENCY_CASE)]


LATENCY_CASE = f"{LATENCY_GROUP}/known-user"


def _token_ignored(user: dict[str, str]) -> bool:
    """No token sent with this user's identifier can be wrong: it is a token itself (D11), or a card
    or contract id of a user without a token (D12)."""
    return user["identifier-type"] == "token" or "token" not in user


def cross_user_rows(config: Config) -> list[Row]:
    """Each known user's identifier with the other's token, also under every other identifier-type, and
    the other's token as identifier-type token (D40); each request once. Nothing without a second user."""
    rows: list[Row] = []
    for owner in config.users if config.second_user is not None else ():
        other = owner.other
        mine, their_token = config.identity(owner), config.token_of(other)
        if their_token is None:
            continue
        # Refused, unless no token can be wrong for the identifier's owner: then the owner's own data.
        kept = Expect(Kind.CROSS_USER, USER_AUTH_FAMILIES, owner if _token_ignored(mine) else None)
        rows.append(
            Row(
                f"cross/{_slug(owner)}-identifier-{_slug(other)}-token",
                envelope(mine | {"token": their_token}),
                kept,
                f"the {owner}'s identifier with the {other}'s token",
            )
        )
        rows += [
            Row(
                f"cross/{_slug(owner)}-identifier-as-{kind}-{_slug(other)}-token",
                envelope({"identifier-type": kind, "identifier": mine["identifier"], "token": their_token}),
                kept,
                f"the {owner}'s identifier as identifier-type {kind}, with the {other}'s token",
            )
            for kind in spec.IDENTIFIER_TYPES
            if kind != mine["identifier-type"]
        ]
        # D11: with identifier-type token the token field is ignored: the other's own request.
        rows += [
            Row(
                f"cross/{_slug(other)}-token-as-identifier-{_slug(owner)}-{what}-in-token",
                envelope({"identifier-type": "token", "identifier": their_token, "token": value}),
                Expect(Kind.CROSS_USER, USER_AUTH_FAMILIES, other),
                f"the {other}'s token as identifier-type token, the {owner}'s {what} in the token field",
            )
            for what, value in (("identifier", mine["identifier"]), ("token", config.token_of(owner)))
            if value is not None
        ]
    sent = [Case.json_body(row.body) for row in rows]
    return [row for index, row in enumerate(rows) if sent[index] not in sent[:index]]


TABLES: list[Callable[[Config], list[Row]]] = [
    token_rows,
    unknown_user_rows,
    api_key_rows,
    no_api_key_rows,
    malformed_body_rows,
    bad_field_rows,
    odd_identifier_rows,
    identity_rows,
    identifier_type_rows,
    known_form_rows,
    tolerated_rows,
    protocol_rows,
    cross_user_rows,
]


def fixed_cases(config: Config) -> list[Case]:
    """Every fixed case after the success case, in the order sent."""
    return [_case(config, row) for table in TABLES for row in table(config)]
