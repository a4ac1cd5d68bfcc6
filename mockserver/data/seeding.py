"""Seeds that are the same in every process: 64-bit integers from names, and a cheap generator on them.

Every random choice of the generated world comes from a private generator seeded from these, never
from Python's ``hash()`` (salted per process) or the global generator.
"""

from __future__ import annotations

import _random
import hashlib
from collections.abc import Sequence
from typing import TypeVar

TWO_53 = float(2**53)  # a 64-bit seed's top 53 bits over this: a uniform float in [0, 1)
_MASK64 = (1 << 64) - 1
_T = TypeVar("_T")


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts' text, identical in every process (unlike ``hash()``)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def mix(value: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit integer from any integer, with no hashing library."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class Rng(_random.Random):
    """The Mersenne Twister of ``random.Random``, seeded as it seeds from an integer, with only the
    draws the generated world makes: integer draws from one ``random()`` each (``randint`` and
    ``choice`` of the standard class cost ~1.5 µs through ``_randbelow``, and a history makes hundreds
    of them), and no ``__init__`` in Python: ``Rng(seed)`` seeds in C, with none of the type checks of
    ``random.Random.seed`` and no Python frame (a history seeds one for each of its sessions).
    (The bias of scaling a 53-bit float to these small ranges is far below anything observable.)"""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[_T]) -> _T:
        return seq[int(self.random() * len(seq))]

    def uniform(self, a: float, b: float) -> float:  # random.Random's
        return a + (b - a) * self.random()
