"""Hypothesis strategies for requests of the call: valid ones for users that do not exist, and
invalid ones that each break one rule of the request schema. Unicode everywhere.

Public: ``valid_users()``, ``valid_bodies()``, ``invalid_bodies(known)``. Each invalid strategy
draws ``(body, what)`` so a failure says which rule the request broke.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import spec

USER_FIELDS = ("identifier-type", "identifier", "token")
_HEX = "0123456789abcdef"

# No surrogates: the body is sent as UTF-8 (the fixed cases send a lone surrogate on purpose).
_text_chars = st.characters(codec="utf-8")


def _hex(size: int, upper: bool = False) -> st.SearchStrategy[str]:
    chars = _HEX.upper() if upper else _HEX
    return st.text(alphabet=chars, min_size=size, max_size=size)


# Identifiers shaped as in the wild (docs/oioi-transport.md), and arbitrary Unicode text.
PLAUSIBLE: dict[str, st.SearchStrategy[str]] = {
    "evco-id": st.builds(
        lambda c, p, n, d: f"{c}*{p}*{n}*{d}",
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=3, max_size=3),
        st.text(alphabet="0123456789", min_size=6, max_size=9),
        st.text(alphabet="0123456789X", min_size=1, max_size=1),
    ),
    "rfid": st.sampled_from([8, 14, 20]).flatmap(lambda n: _hex(n, upper=True)),
    "username": st.builds(
        lambda name, host: f"{name}@{host}.example",
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12),
    ),
    "token": _hex(32),
}

unicode_identifiers = st.text(_text_chars, min_size=1, max_size=255)
tokens = st.one_of(_hex(32), st.text(_text_chars, min_size=1, max_size=255))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(_text_chars, max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(_text_chars, max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _identifier(kind: str) -> st.SearchStrategy[str]:
    return st.one_of(PLAUSIBLE[kind], unicode_identifiers)


@st.composite
def valid_users(draw: st.DrawFn) -> dict[str, Any]:
    """A user object that satisfies the request schema (with, at times, unknown extra fields)."""
    kind = draw(st.sampled_from(spec.IDENTIFIER_TYPES))
    user: dict[str, Any] = {"identifier-type": kind, "identifier": draw(_identifier(kind))}
    token = draw(st.one_of(st.just(_OMIT), st.none(), tokens))
    if token is not _OMIT:
        user["token"] = token
    extras = draw(
        st.dictionaries(
            st.text(_text_chars, min_size=1, max_size=10).filter(lambda k: k not in USER_FIELDS),
            json_values,
            max_size=2,
        )
    )
    return extras | user


_OMIT = object()


def valid_bodies() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda user: {spec.CALL: {"user": user}}, valid_users())


def _not(kinds: tuple[type, ...]) -> st.SearchStrategy[Any]:
    return json_values.filter(lambda value: not isinstance(value, kinds))


def invalid_bodies(known: dict[str, Any]) -> st.SearchStrategy[tuple[Any, str]]:
    """``(body, what is wrong)``: a request breaking one rule, based on the known user or a stranger.

    Based on the known user, a server that ignores the broken rule answers with real data: a leak.
    """
    users = st.one_of(st.just(dict(known)), valid_users())

    def edit(field: str, values: st.SearchStrategy[Any], what: str) -> st.SearchStrategy[tuple[Any, str]]:
        return st.builds(
            lambda user, value: ({spec.CALL: {"user": user | {field: value}}}, f"{what}: {value!r:.60}"),
            users,
            values,
        )

    def drop(field: str) -> st.SearchStrategy[tuple[Any, str]]:
        return st.builds(
            lambda user: (
                {spec.CALL: {"user": {k: v for k, v in user.items() if k != field}}},
                f"no {field}",
            ),
            users,
        )

    envelope_breaks: list[st.SearchStrategy[tuple[Any, str]]] = [
        st.builds(lambda v: (v, f"the body is not an object: {v!r:.60}"), _not((dict,))),
        st.builds(
            lambda u, v: ({spec.CALL: v}, f"the call's value is not an object: {v!r:.60}"),
            users,
            _not((dict,)),
        ),
        st.builds(lambda v: ({spec.CALL: {"user": v}}, f"user is not an object: {v!r:.60}"), _not((dict,))),
        st.builds(lambda u: ({spec.CALL: {"x-user": u}}, "no user (only an unknown field)"), users),
        st.builds(
            lambda u, k: ({spec.CALL: {"user": u}, k: {"user": u}}, f"two call keys: {k!r}"),
            users,
            st.text(_text_chars, max_size=30).filter(lambda k: k != spec.CALL),
        ),
        st.builds(
            lambda u, k: ({k: {"user": u}}, f"unknown call name {k!r}"),
            users,
            st.text(_text_chars, max_size=40).filter(lambda k: k != spec.CALL),
        ),
    ]
    field_breaks: list[st.SearchStrategy[tuple[Any, str]]] = [
        drop("identifier-type"),
        drop("identifier"),
        edit(
            "identifier-type",
            st.text(_text_chars, max_size=20).filter(lambda t: t not in spec.IDENTIFIER_TYPES),
            "unknown identifier-type",
        ),
        edit("identifier-type", _not((str,)), "identifier-type not a string"),
        edit("identifier", _not((str,)), "identifier not a string"),
        edit("identifier", st.just(""), "empty identifier"),
        edit(
            "identifier", st.text(_text_chars, min_size=256, max_size=3000), "identifier over 255 characters"
        ),
        edit("token", _not((str,)).filter(lambda v: v is not None), "token not a string"),
        edit("token", st.just(""), "empty token"),
        edit("token", st.text(_text_chars, min_size=256, max_size=1000), "token over 255 characters"),
    ]
    return st.one_of(*envelope_breaks, *field_breaks)
