"""What each kind of scenario does: one table ``kind -> function(EffectInput) -> Answer``."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mockserver import answers
from mockserver.answers import Answer
from mockserver.scenarios import transport
from mockserver.scenarios.catalog import MAX_MS, Choice


class Delays:
    """The seeded source of random delays, shared by a process's threads (one lock, one generator)."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def uniform(self, low: float, high: float) -> float:
        with self._lock:
            return self._random.uniform(min(low, high), max(low, high))

    def lognormal(self, median: float, sigma: float) -> float:
        with self._lock:
            return median * self._random.lognormvariate(0.0, sigma)


@dataclass(frozen=True)
class EffectInput:
    """Everything an effect may use: the choice, the status mapping, and the answers without a scenario."""

    choice: Choice
    mapping: str
    delays: Delays
    normal: Callable[[], Answer]  # the answer the request would get without any scenario
    success: Callable[[str, int | None], Answer]  # success for this identifier with a data variant


def _ok(given: EffectInput) -> Answer:
    return given.normal()


def _result(given: EffectInput) -> Answer:
    code = int(given.choice.scenario.arg or 0)
    if code == 0:
        return given.success("normal", None)
    return answers.result(code, given.mapping, f"scenario {given.choice.name} chose this answer")


_HTTP_CODES = {500: 100, 502: 100, 503: 100, 504: 102, 429: 100}


def _http(given: EffectInput) -> Answer:
    status = int(given.choice.scenario.arg or 500)
    code = _HTTP_CODES[status]
    body = answers.error_body(code, f"HTTP {status} chosen by scenario {given.choice.name}")
    headers = {}
    if "retry-after" in given.choice.params:
        headers["Retry-After"] = str(round(given.choice.params["retry-after"]))
    return Answer(status, body, code, headers=headers)


def _delay_ms(given: EffectInput) -> float:
    p = given.choice.params
    distribution = given.choice.scenario.arg
    if distribution == "fixed":
        return p["ms"]
    if distribution == "uniform":
        return given.delays.uniform(p["min"], p["max"])
    return min(given.delays.lognormal(p["median"], p["sigma"]), p["max"])


def _latency(given: EffectInput) -> Answer:
    answer = given.normal()
    return replace(answer, delay_s=answer.delay_s + _delay_ms(given) / 1000.0)


def _reset(given: EffectInput) -> Answer:
    return Answer(0, code=None, content_type=None, transport="reset", deliberate=True)


def _empty(given: EffectInput) -> Answer:
    return Answer(0, code=None, content_type=None, transport="close", deliberate=True)


def _malformed(given: EffectInput) -> Answer:
    answer = given.normal()
    cut = answer.body[: max(1, len(answer.body) * 2 // 3)]  # an object never closed: never valid JSON
    return replace(answer, body=cut, deliberate=True)


def _truncated(given: EffectInput) -> Answer:
    answer = given.normal()
    body = answer.body
    sent = body[: int(len(body) * given.choice.params["fraction"])]

    def stream(environ: Mapping[str, Any]) -> Iterator[bytes]:
        if sent:
            yield sent
        sock = transport.connection(environ)
        if sock is not None:
            transport.close(sock)

    headers = {**answer.headers, "Content-Length": str(len(body))}
    return replace(answer, body=b"", stream=stream, headers=headers, deliberate=True)


def _dribble(given: EffectInput) -> Answer:
    answer = given.normal()
    body = answer.body
    chunks = max(1, int(given.choice.params["chunks"]))
    pause = min(given.choice.params["ms"], MAX_MS / chunks) / 1000.0  # the whole dribble: at most MAX_MS
    size = -(-len(body) // chunks)  # ceiling division

    def stream(environ: Mapping[str, Any]) -> Iterator[bytes]:
        for index, offset in enumerate(range(0, len(body), size)):
            if index:
                time.sleep(pause)
            yield body[offset : offset + size]

    headers = {**answer.headers, "Content-Length": str(len(body))}
    return replace(answer, stream=stream, headers=headers)


_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Service notice</title></head>"
    b"<body><h1>Service notice</h1><p>This network requires you to sign in.</p></body></html>\n"
)


def _content_type(given: EffectInput) -> Answer:
    return Answer(200, _HTML, None, content_type="text/html; charset=utf-8", deliberate=True)


def _data(given: EffectInput) -> Answer:
    count = given.choice.params.get("count")
    return given.success(str(given.choice.scenario.arg), None if count is None else int(count))


EFFECTS: dict[str, Callable[[EffectInput], Answer]] = {
    "ok": _ok,
    "result": _result,
    "http": _http,
    "latency": _latency,
    "reset": _reset,
    "empty": _empty,
    "malformed": _malformed,
    "truncated": _truncated,
    "dribble": _dribble,
    "content-type": _content_type,
    "data": _data,
}


# Kinds that reshape the answer they are given; the others produce an answer of their own.
TRANSFORMS = frozenset({"ok", "latency", "malformed", "truncated", "dribble"})


def apply(given: EffectInput) -> Answer:
    return EFFECTS[given.choice.scenario.kind](given)


def compose(
    parts: Sequence[Choice],
    mapping: str,
    delays: Delays,
    normal: Callable[[], Answer],
    success: Callable[[str, int | None], Answer],
) -> Answer:
    """Several built-in scenarios on one request (a scenario file's ``compose``).

    Producers (result codes, HTTP errors, data variants, connection faults) go first, the last one
    winning; transforms (latency, malformed, truncated, dribble) then reshape that answer in order,
    so ``[latency-fixed, result-102]`` and ``[result-102, latency-fixed]`` both delay a 102.
    """
    ordered = sorted(parts, key=lambda choice: choice.scenario.kind in TRANSFORMS)
    current = normal
    for choice in ordered:
        answer = apply(EffectInput(choice, mapping, delays, current, success))
        current = _constant(answer)
    return current()


def _constant(answer: Answer) -> Callable[[], Answer]:
    return lambda: answer
