"""The fixed cases: every negative and tolerated request, derived from the one known-good user.

Each builder returns ``Case``s; ``fixed_cases(config)`` is the whole list in the order sent.
A case's ``Expect`` says what a correct server does, and so which checks judge it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import replace
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


def _case(
    config: Config,
    name: str,
    body: Any,
    expect: Expect,
    note: str,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    ascii_only: bool = False,
    method: str = "POST",
    path: str | None = None,
    chunked: bool = False,
) -> Case:
    sent = dict(JSON_HEADERS | config.auth_header()) if headers is None else headers
    payload = raw if raw is not None else Case.json_body(body, ascii_only=ascii_only)
    group = GROUPS[name.split("/", 1)[0]]
    return Case(name, group, sent, payload, expect, note, method, path, chunked)


def _slug(user: User) -> str:
    return user.value.replace(" ", "-")


def success_case(config: Config, user: User = User.KNOWN) -> Case:
    """The known-good request of ``user`` (the known user, or the second one)."""
    return _case(
        config,
        f"success/{_slug(user)}",
        envelope(config.identity(user)),
        replace(KNOWN, user=user),
        f"the {user} with the right token and API key",
    )


def authentication_cases(config: Config) -> Iterator[Case]:
    """Wrong or missing token, unknown users of every type, and every way the API key can be wrong."""
    known = config.identity()
    wrong_token = _hex(config.seed, "wrong-token", 32)
    has_token = config.token is not None and config.identifier_type != "token"
    # D11: with identifier-type "token" the token field is ignored; D12: rfid/evco-id identify alone.
    token_matters = has_token and config.identifier_type == "username"
    yield _case(
        config,
        "auth/wrong-token",
        envelope(known | {"token": wrong_token}),
        USER_AUTH if has_token else LENIENT,
        "the known user with a wrong token",
    )
    if has_token and config.token:
        token = config.token
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
        for name, near in near_misses.items():
            if near and near != token:
                yield _case(
                    config,
                    f"auth/{name}",
                    envelope(known | {"token": near}),
                    USER_AUTH,
                    f"the known user with a near-miss token ({name})",
                )
    if config.identifier_type != "token":
        without = {k: v for k, v in known.items() if k != "token"}
        expect = USER_AUTH if token_matters else LENIENT
        yield _case(
            config,
            "auth/no-token",
            envelope(without),
            expect,
            "the known user without a token",
        )
        yield _case(
            config,
            "auth/null-token",
            envelope(without | {"token": None}),
            expect,
            "the known user with token null",
        )
    for kind in spec.IDENTIFIER_TYPES:
        stranger = {"identifier-type": kind, "identifier": unknown_identifier(kind, config.seed)}
        yield _case(
            config,
            f"auth/unknown-{kind}",
            envelope(stranger | {"token": wrong_token}),
            USER_AUTH,
            f"an unknown {kind} with a made-up token",
        )
        if config.token is not None:
            yield _case(
                config,
                f"auth/unknown-{kind}-known-token",
                envelope(stranger | {"token": config.token}),
                USER_AUTH,
                f"an unknown {kind} with the known user's token (lookup must use the identifier)",
            )
        yield _case(
            config,
            f"auth/unknown-{kind}-no-token",
            envelope(stranger),
            USER_AUTH,
            f"an unknown {kind} without a token",
        )
        yield _case(
            config,
            f"auth/unknown-{kind}-null-token",
            envelope(stranger | {"token": None}),
            USER_AUTH,
            f"an unknown {kind} with token null",
        )
    body = envelope(known)
    key = config.api_key
    bad_keys = {
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
        "api-key-upper-case": f"key={key.swapcase()}" if key.swapcase() != key else None,
    }
    for name, header in bad_keys.items():
        if header is None and name != "no-api-key":
            continue
        headers = dict(JSON_HEADERS) if header is None else JSON_HEADERS | {"Authorization": header}
        yield _case(
            config,
            f"auth/{name}",
            body,
            PARTNER_AUTH,
            f"the known user, API key: {name.replace('-', ' ')}",
            headers=headers,
        )
    query = "&".join(f"{name}={quote(key, safe='')}" for name in ("key", "api_key", "apikey"))
    elsewhere: dict[str, tuple[dict[str, str], str | None]] = {
        "api-key-in-other-headers": (
            JSON_HEADERS | {"X-Api-Key": key, "Api-Key": f"key={key}"},
            None,
        ),
        "api-key-in-query": (dict(JSON_HEADERS), f"{config.path}?{query}"),
        "api-key-basic": (
            JSON_HEADERS | {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()},
            None,
        ),
    }
    for name, (headers, path) in elsewhere.items():
        yield _case(
            config,
            f"auth/{name}",
            body,
            PARTNER_AUTH,
            f"no Authorization header; the right key {name.removeprefix('api-key-').replace('-', ' ')}",
            headers=headers,
            path=path,
        )
    yield _case(
        config,
        "auth/api-key-in-body",
        {spec.CALL: {"user": known, "api-key": key, "key": key, "authorization": f"key={key}"}},
        PARTNER_AUTH,
        "no Authorization header; the right key in the call object",
        headers=dict(JSON_HEADERS),
    )
    # Without a key nothing about users may be answered: the key is checked first.
    no_key_users = {"wrong-token": known | {"token": wrong_token}} | {
        f"unknown-{kind}": {
            "identifier-type": kind,
            "identifier": unknown_identifier(kind, config.seed),
            "token": wrong_token,
        }
        for kind in spec.IDENTIFIER_TYPES
    }
    for name, user in no_key_users.items():
        yield _case(
            config,
            f"auth/no-api-key-{name}",
            envelope(user),
            PARTNER_AUTH,
            f"no API key, and {name.replace('-', ' ')}",
            headers=dict(JSON_HEADERS),
        )


def _other(char: str) -> str:
    """A different character of the same kind (digit for digit, letter for letter)."""
    if char.isdigit():
        return "0" if char != "0" else "1"
    if char.isalpha():
        return "a" if char.lower() != "a" else "b"
    return "x"


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


def bad_input_cases(config: Config) -> Iterator[Case]:
    """Malformed requests, each carrying the known user where it can: success would be a leak."""
    known = config.identity()
    call = {"user": known}
    raw_bodies: dict[str, tuple[bytes, str]] = {
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
        "huge-exponent": (_replace_identifier(config, "1e400"), "identifier is 1e400 (beyond any double)"),
        "deeply-nested-user": (
            Case.json_body({spec.CALL: {"user": None}}).replace(b"null", b"[" * 10_000 + b"]" * 10_000),
            "user nested 10,000 arrays deep",
        ),
    }
    for name, (raw, note) in raw_bodies.items():
        yield _case(config, f"bad/{name}", None, BAD_INPUT, note, raw=raw)

    def user_with(**changes: Any) -> dict[str, Any]:
        user: dict[str, Any] = dict(known)
        for key, value in changes.items():
            field = key.replace("_", "-")
            if value is _DROP:
                user.pop(field, None)
            else:
                user[field] = value
        return user

    bodies: dict[str, tuple[Any, str]] = {
        "two-call-keys": ({spec.CALL: call, "user-get-sessions": call}, "two call keys"),
        "unknown-call": ({"user-get-all-sessions": call}, "an unknown call name"),
        "call-not-object": ({spec.CALL: [call]}, "the call's value is a list"),
        "call-null": ({spec.CALL: None}, "the call's value is null"),
        "missing-user": ({spec.CALL: {}}, "no user"),
        "user-not-object": ({spec.CALL: {"user": config.identifier}}, "user is a string"),
        "user-null": ({spec.CALL: {"user": None}}, "user is null"),
        "user-empty-object": ({spec.CALL: {"user": {}}}, "user is an empty object"),
        "user-list": ({spec.CALL: {"user": [known]}}, "user is a list holding the known user"),
        "missing-identifier-type": (envelope(user_with(identifier_type=_DROP)), "no identifier-type"),
        "missing-identifier": (envelope(user_with(identifier=_DROP)), "no identifier"),
        "unknown-identifier-type": (
            envelope(user_with(identifier_type="email")),
            "identifier-type 'email' (not one of the four)",
        ),
        "identifier-type-upper-case": (
            envelope(user_with(identifier_type=config.identifier_type.upper())),
            "identifier-type in upper case",
        ),
        "identifier-type-number": (envelope(user_with(identifier_type=1)), "identifier-type is a number"),
        "identifier-type-null": (envelope(user_with(identifier_type=None)), "identifier-type is null"),
        "identifier-type-list": (
            envelope(user_with(identifier_type=[config.identifier_type])),
            "identifier-type is a list",
        ),
        "identifier-number": (envelope(user_with(identifier=12345)), "identifier is a number"),
        "identifier-null": (envelope(user_with(identifier=None)), "identifier is null"),
        "identifier-list": (envelope(user_with(identifier=[config.identifier])), "identifier is a list"),
        "identifier-object": (
            envelope(user_with(identifier={"value": config.identifier})),
            "identifier is an object",
        ),
        "identifier-true": (envelope(user_with(identifier=True)), "identifier is a boolean"),
        "empty-identifier": (envelope(user_with(identifier="")), "an empty identifier"),
        "identifier-256": (envelope(user_with(identifier=_long(256))), "an identifier of 256 characters"),
        "identifier-5000": (envelope(user_with(identifier=_long(5000))), "an identifier of 5000 characters"),
        "identifier-100000": (
            envelope(user_with(identifier=_long(100_000))),
            "an identifier of 100,000 characters",
        ),
        "token-number": (envelope(user_with(token=12345)), "token is a number"),
        "token-list": (envelope(user_with(token=[config.token or "x"])), "token is a list"),
        "token-object": (envelope(user_with(token={"value": config.token or "x"})), "token is an object"),
        "token-true": (envelope(user_with(token=True)), "token is a boolean"),
        "empty-token": (envelope(user_with(token="")), "an empty token"),
        "token-5000": (envelope(user_with(token=_long(5000))), "a token of 5000 characters"),
    }
    for name, (body, note) in bodies.items():
        yield _case(config, f"bad/{name}", body, BAD_INPUT, note)
    for name, (text, note) in over_long_identifiers(config.identifier).items():
        yield _case(config, f"bad/{name}", envelope(user_with(identifier=text)), BAD_INPUT, note)
    odd_identifiers = {
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
    for kind in spec.IDENTIFIER_TYPES:
        for name, (text, ascii_only) in odd_identifiers.items():
            if kind != config.identifier_type and name not in {"identifier-non-ascii", "identifier-nul"}:
                continue
            user = {"identifier-type": kind, "identifier": text, "token": config.token or "x"}
            yield _case(
                config,
                f"bad/{name}/{kind}",
                envelope(user),
                BAD_INPUT,
                f"identifier-type {kind} with an odd identifier {text!r}",
                ascii_only=ascii_only,
            )


_DROP = object()


def _replace_identifier(config: Config, literal: str) -> bytes:
    """The known user's request with the identifier replaced by a raw JSON literal (e.g. a huge number)."""
    marker = "__identifier__"
    raw = Case.json_body(envelope(config.identity() | {"identifier": marker}))
    return raw.replace(Case.json_body(marker), literal.encode())


def identity_variants(config: Config) -> Iterator[Case]:
    """The known identifier slightly changed, with the right token: refused, or the known user's data."""
    ident = config.identifier
    variants = {
        "leading-space": " " + ident,
        "trailing-space": ident + " ",
        "trailing-newline": ident + "\n",
        "upper-case": ident.upper(),
        "lower-case": ident.lower(),
        "trailing-nul": ident + "\u0000",
        "zero-width-space": ident[:1] + "\u200b" + ident[1:],
        "fullwidth-first": chr(ord(ident[0]) + 0xFEE0) + ident[1:] if "!" <= ident[:1] <= "~" else "",
    }
    # Other strings under any normalisation: a lookup by prefix, LIKE or glob would find the known
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
    seen = {ident}
    for name, text in (variants | others).items():
        if not text or text in seen:
            continue
        seen.add(text)
        yield _case(
            config,
            f"identity/{name}",
            envelope(config.identity() | {"identifier": text}),
            strict if name in others else LENIENT,
            f"the known identifier changed ({name}) with the right token",
        )
    has_token = config.token is not None and config.identifier_type != "token"
    wrong = {"token": _hex(config.seed, "wrong-token", 32)}
    if has_token:
        for name in ("leading-space", "upper-case", "trailing-nul"):
            text = variants[name]
            if text and text != ident:
                user = config.identity() | {"identifier": text} | wrong
                yield _case(
                    config,
                    f"identity/{name}-wrong-token",
                    envelope(user),
                    USER_AUTH,
                    f"the known identifier changed ({name}) with a wrong token",
                )
    for kind in spec.IDENTIFIER_TYPES:
        if kind != config.identifier_type:
            yield _case(
                config,
                f"identity/as-{kind}",
                envelope(config.identity() | {"identifier-type": kind}),
                LENIENT,
                f"the known identifier presented as identifier-type {kind}",
            )
            if has_token:
                yield _case(
                    config,
                    f"identity/as-{kind}-wrong-token",
                    envelope(config.identity() | {"identifier-type": kind, "token": wrong["token"]}),
                    USER_AUTH,
                    f"the known identifier presented as identifier-type {kind}, with a wrong token",
                )
    if has_token and config.token:
        yield _case(
            config,
            "identity/token-as-identifier",
            envelope({"identifier-type": "token", "identifier": config.token}),
            LENIENT,
            "the known user's token as an identifier of type token",
        )


def known_forms(config: Config) -> Iterator[Case]:
    """The known-good request in other forms any JSON client may send: each must succeed as it does."""
    body = envelope(config.identity())
    escaped = json.dumps(config.identifier, ensure_ascii=False).encode()
    units = config.identifier.encode("utf-16-be")  # \\u escapes are UTF-16 code units
    every_char_escaped = (
        '"' + "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)) + '"'
    )
    forms: dict[str, tuple[bytes, dict[str, str] | None, str]] = {
        "content-type-charset": (
            Case.json_body(body),
            JSON_HEADERS | {"Content-Type": "application/json; charset=utf-8"} | config.auth_header(),
            "Content-Type application/json; charset=utf-8 (what many HTTP clients send)",
        ),
        "pretty-printed": (
            (json.dumps(body, indent=4) + "\n").encode(),
            None,
            "the body indented, with a trailing newline",
        ),
        "reordered-fields": (
            Case.json_body({spec.CALL: {"user": dict(reversed(list(config.identity().items())))}}),
            None,
            "the user's fields in another order",
        ),
        "escaped-identifier": (
            Case.json_body(body).replace(escaped, every_char_escaped.encode(), 1),
            None,
            "the identifier written with \\u escapes (the same string)",
        ),
    }
    for name, (raw, headers, note) in forms.items():
        yield _case(config, f"success/{name}", None, KNOWN, note, headers=headers, raw=raw)


def tolerated_cases(config: Config) -> Iterator[Case]:
    """Requests a server may accept or refuse: only a 5xx or foreign data fails them."""
    body = envelope(config.identity())
    auth = config.auth_header()
    encoded = Case.json_body(body)
    by_headers = {
        "no-content-type": auth,
        "content-type-text-plain": auth | {"Content-Type": "text/plain"},
        "content-type-form": auth | {"Content-Type": "application/x-www-form-urlencoded"},
    }
    # The transport writes the scheme `key=`; matching it in any case is lenient, not a hole (the key
    # itself is still compared exactly): a server may accept or refuse these (spec/DECISIONS.md D30).
    key = config.api_key
    by_headers |= {
        "api-key-scheme-capitalised": JSON_HEADERS | {"Authorization": f"Key={key}"},
        "api-key-scheme-upper-case": JSON_HEADERS | {"Authorization": f"KEY={key}"},
    }
    for name, headers in by_headers.items():
        yield _case(
            config,
            f"tolerated/{name}",
            body,
            LENIENT,
            name.replace("-", " "),
            headers=headers,
            raw=encoded,
        )
    # A streaming decoder (Go's json.Decoder, for one) stops after the first value: tolerated.
    trailing = {
        "trailing-text": (encoded + b" xyz", "the JSON followed by other text"),
        "two-documents": (encoded * 2, "two JSON documents in one body"),
    }
    for name, (raw, note) in trailing.items():
        yield _case(config, f"tolerated/{name}", None, LENIENT, note, raw=raw)
    encodings: dict[str, tuple[bytes, dict[str, str], str]] = {
        "gzip-encoded": (
            gzip.compress(encoded, mtime=0),
            {"Content-Encoding": "gzip"},
            "the body gzip-compressed, with Content-Encoding: gzip",
        ),
        "utf8-bom": (b"\xef\xbb\xbf" + encoded, {}, "the body after a UTF-8 byte-order mark"),
        "utf16": (encoded.decode().encode("utf-16"), {}, "the body in UTF-16 (not the protocol's UTF-8)"),
    }
    for name, (raw, extra, note) in encodings.items():
        yield _case(
            config, f"tolerated/{name}", None, LENIENT, note, headers=JSON_HEADERS | auth | extra, raw=raw
        )
    extra_user = config.identity() | {"x-extra": "ignored", "password": None}
    yield _case(
        config,
        "tolerated/unknown-user-field",
        envelope(extra_user),
        LENIENT,
        "an unknown field in user",
    )
    yield _case(
        config,
        "tolerated/unknown-call-field",
        {spec.CALL: {"user": config.identity(), "limit": 5, "x-extra": {"a": [1, 2]}}},
        LENIENT,
        "unknown fields in the call object",
    )
    for depth in (200, 10_000):
        nested = Case.json_body({spec.CALL: {"user": config.identity(), "x-deep": None}})
        yield _case(
            config,
            f"tolerated/nested-{depth}-deep",
            None,
            LENIENT,
            f"an unknown field nested {depth:,} arrays deep",
            raw=nested.replace(b"null", b"[" * depth + b"]" * depth),
        )
    for size in (60_000, 1_000_000):
        yield _case(
            config,
            f"tolerated/unknown-field-{size // 1000}-kb",
            {spec.CALL: {"user": config.identity(), "x-padding": "p" * size}},
            LENIENT,
            f"an unknown field of {size // 1000:,} kB",
        )
    yield _case(
        config,
        "tolerated/chunked",
        body,
        LENIENT,
        "the body sent with Transfer-Encoding: chunked (no Content-Length)",
        chunked=True,
    )


def protocol_cases(config: Config) -> Iterator[Case]:
    """Not the call: another method or path, with or without the key, is never answered as the call."""
    body = Case.json_body(envelope(config.identity()))
    path = config.path
    yield _case(
        config,
        "protocol/get-without-key",
        None,
        DENIED,
        "GET with the known user, no API key",
        headers=dict(JSON_HEADERS),
        raw=body,
        method="GET",
    )
    yield _case(
        config,
        "protocol/get-without-body",
        None,
        DENIED,
        "GET with the API key and no body",
        headers=config.auth_header(),
        raw=b"",
        method="GET",
    )
    yield _case(
        config,
        "protocol/get-with-key",
        None,
        DENIED,
        "GET with the API key and the known user",
        headers=JSON_HEADERS | config.auth_header(),
        raw=body,
        method="GET",
    )
    yield _case(
        config,
        "protocol/sub-path-with-key",
        None,
        DENIED,
        f"POST {path.rstrip('/')}/x with the API key and the known user",
        headers=JSON_HEADERS | config.auth_header(),
        raw=body,
        path=path.rstrip("/") + "/x",
    )
    others = {
        "other-version": path.replace("/v4/", "/v3/") if "/v4/" in path else path.replace("/v3/", "/v4/"),
        "trailing-slash": path.rstrip("/") + "/",
        "upper-case": path.upper(),
        "sub-path": path.rstrip("/") + "/x",
    }
    for name, other in others.items():
        if other != path:
            yield _case(
                config,
                f"protocol/{name}-without-key",
                None,
                DENIED,
                f"POST {other} with the known user, no API key",
                headers=dict(JSON_HEADERS),
                raw=body,
                path=other,
            )


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


def cross_user_cases(config: Config) -> Iterator[Case]:
    """Each known user's identifier with the other's token, also under every other identifier-type, and
    the other's token as identifier-type token (D40). Nothing without a second user."""
    if config.second_user is None:
        return
    sent: set[bytes] = set()
    for owner in config.users:
        other = owner.other
        mine, their_token = config.identity(owner), config.token_of(other)
        if their_token is None:
            continue
        # Refused, unless no token can be wrong for the identifier's owner: then the owner's own data.
        kept = owner if _token_ignored(mine) else None
        users: dict[str, tuple[dict[str, str], User | None, str]] = {
            f"{_slug(owner)}-identifier-{_slug(other)}-token": (
                mine | {"token": their_token},
                kept,
                f"the {owner}'s identifier with the {other}'s token",
            )
        }
        for kind in spec.IDENTIFIER_TYPES:
            if kind != mine["identifier-type"]:
                users[f"{_slug(owner)}-identifier-as-{kind}-{_slug(other)}-token"] = (
                    {"identifier-type": kind, "identifier": mine["identifier"], "token": their_token},
                    kept,
                    f"the {owner}'s identifier as identifier-type {kind}, with the {other}'s token",
                )
        # D11: with identifier-type token the token field is ignored: the other's own request.
        for what, value in (("identifier", mine["identifier"]), ("token", config.token_of(owner))):
            if value is not None:
                users[f"{_slug(other)}-token-as-identifier-{_slug(owner)}-{what}-in-token"] = (
                    {"identifier-type": "token", "identifier": their_token, "token": value},
                    other,
                    f"the {other}'s token as identifier-type token, the {owner}'s {what} in the token field",
                )
        for name, (user, tolerated, note) in users.items():
            case = _case(
                config,
                f"cross/{name}",
                envelope(user),
                Expect(Kind.CROSS_USER, USER_AUTH_FAMILIES, tolerated),
                note,
            )
            if case.body not in sent:
                sent.add(case.body)
                yield case


BUILDERS: list[Callable[[Config], Iterator[Case]]] = [
    authentication_cases,
    bad_input_cases,
    identity_variants,
    known_forms,
    tolerated_cases,
    protocol_cases,
    cross_user_cases,
]


def fixed_cases(config: Config) -> list[Case]:
    """Every fixed case after the success case, in the order sent."""
    return [case for build in BUILDERS for case in build(config)]
