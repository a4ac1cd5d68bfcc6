"""What the endpoint reads of a request's numbers (Content-Length, a journal's ``limit``, a verify count):
ASCII digits only, by the one pattern in ``spec``."""

from __future__ import annotations

import pytest

from mockserver.http.incoming import decimal

NUMBERS = [  # text, the number read (None: not a number)
    ("12", 12),
    ("0", 0),
    ("007", 7),
    ("9" * 18, 10**18 - 1),
    ("9" * 19, None),  # beyond what a count or a length can be
    ("", None),
    ("+1", None),
    ("-1", None),
    ("\u00b2", None),  # "²".isdigit() is True
    ("\u0661\u0662", None),  # Arabic-Indic digits: int() reads them
    ("1_000", None),  # int() reads underscores
    (" 1", None),
    ("1\n", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "number"), NUMBERS, ids=[repr(text) for text, _ in NUMBERS])
def test_a_number_is_read_from_ascii_digits_only(text: str | None, number: int | None) -> None:
    assert decimal(text) == number
