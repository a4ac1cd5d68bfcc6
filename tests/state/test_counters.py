"""Counters that add up across workers and hosts (what /__mock/health counts), and that never raise.

In-process here; through real servers with several workers, and several servers on one Redis, in
test_counted_across_workers.py."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import redis

from mockserver.scenarios.state import make_store
from mockserver.scenarios.state.counters import FileCounters, LocalCounters, RedisCounters
from tests.state.redis_server import RedisServer


def test_local_counters_count_this_process() -> None:
    counters = LocalCounters()
    for _ in range(3):
        counters.add("internal_errors")
    totals = counters.totals()
    assert (totals["internal_errors"], totals["self_check_failures"]) == (3, 0)
    assert totals.across == "this process"


def test_file_counters_in_one_directory_add_up(tmp_path: Path) -> None:
    first, second = FileCounters(tmp_path), FileCounters(tmp_path)  # two workers' counters
    first.add("internal_errors")
    second.add("internal_errors")
    second.add("self_check_failures")
    for counters in (first, second):
        totals = counters.totals()
        assert (totals["internal_errors"], totals["self_check_failures"]) == (2, 1)
        assert totals.across == "every worker of this server"


def _count_in_child(directory: str) -> None:
    FileCounters(directory).add("internal_errors")


def test_a_worker_that_ended_still_counts(tmp_path: Path) -> None:
    child = multiprocessing.get_context("spawn").Process(target=_count_in_child, args=(str(tmp_path),))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert FileCounters(tmp_path).totals()["internal_errors"] == 1


def test_counters_built_before_a_fork_count_for_each_process(tmp_path: Path) -> None:
    counters = FileCounters(tmp_path)
    counters.add("internal_errors")
    pid = os.fork()
    if pid == 0:  # the child: its count is its own, in a file of its own
        counters.add("internal_errors")
        os._exit(0)
    os.waitpid(pid, 0)
    assert counters.totals()["internal_errors"] == 2
    assert len(list(tmp_path.glob("counters-*.json"))) == 2


def test_an_unwritable_directory_loses_no_count_of_this_process(tmp_path: Path) -> None:
    counters = FileCounters(tmp_path / "missing")
    counters.add("internal_errors")  # never raises: it runs while an error is being answered
    assert counters.totals()["internal_errors"] == 1


def test_a_broken_file_of_another_worker_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "counters-1-dead.json").write_text("{not json")
    (tmp_path / "counters-2-dead.json").write_text("[1, 2]")
    counters = FileCounters(tmp_path)
    counters.add("internal_errors")
    assert counters.totals()["internal_errors"] == 1


def test_the_memory_store_counts_in_its_run_directory(tmp_path: Path) -> None:
    store, other = make_store("memory", run_dir=str(tmp_path)), make_store("memory", run_dir=str(tmp_path))
    store.counters.add("internal_errors")
    other.counters.add("internal_errors")
    assert store.counters.totals()["internal_errors"] == 2
    assert make_store("memory").counters.totals().across == "this process"


@contextlib.contextmanager
def _redis_counters(url: str, key: str) -> Iterator[RedisCounters]:
    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        yield RedisCounters(client, key, url, idle=60)
    finally:
        client.close()


def test_redis_counters_add_up_across_processes_sharing_redis(redis_server: RedisServer) -> None:
    key = f"t{uuid.uuid4().hex[:8]}:counters"
    with _redis_counters(redis_server.url, key) as one, _redis_counters(redis_server.url, key) as two:
        one.add("internal_errors")
        two.add("internal_errors")
        two.add("self_check_failures")
        totals = one.totals()
        assert (totals["internal_errors"], totals["self_check_failures"]) == (2, 1)
        assert totals.across == f"every mock server using {redis_server.url}"
        assert 0 < one._redis.ttl(key) <= 60  # idle counters expire, as idle journals do


def test_redis_counters_keep_what_redis_missed_and_share_it_when_it_answers() -> None:
    down = RedisServer()  # not started yet: nothing answers on its port
    with _redis_counters(down.url, "t:counters") as counters:
        counters.add("internal_errors")  # never raises
        totals = counters.totals()
        assert totals["internal_errors"] == 1
        assert totals.across.startswith(f"this worker only: {down.url} did not answer")
        down.start()
        try:
            assert counters.totals()["internal_errors"] == 1
            with _redis_counters(down.url, "t:counters") as other:
                assert other.totals()["internal_errors"] == 1  # it reached Redis
        finally:
            down.stop()
