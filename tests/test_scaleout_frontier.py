"""The frontier's atomic steps, the shared politeness and the CLI, against a real Redis server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from scrapy import Request

from crawler.distributed.frontier import Frontier, decode_request, encode_request, seed_request
from crawler.distributed.politeness import DomainLimiter
from tests.fixtures.redis import RedisServer

pytestmark = pytest.mark.redis

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def frontier(redis_url: str) -> Frontier:
    return Frontier.from_url(redis_url)


def queued_request(url: str, priority: int = 0) -> bytes:
    return encode_request(Request(url, priority=priority, meta={"govarchive_kind": "report"}).to_dict())


def test_a_popped_request_is_leased_not_lost_and_a_dead_workers_leases_go_back(frontier: Frontier) -> None:
    frontier.push("s", queued_request("http://a/1"), 0)
    frontier.push("s", queued_request("http://a/2", priority=5), 5)
    frontier.heartbeat("w1", 60)

    first = frontier.pop("s", "w1")
    assert first is not None and decode_request(first.data)["url"] == "http://a/2"  # priority first
    assert frontier.queued("s") == 1 and frontier.leased("s") == 1
    assert frontier.lease_owners("s") == {first.id: "w1"}

    assert frontier.recover("s") == 0  # w1 is alive: its lease stays
    frontier.forget_worker("w1")  # its heartbeat is gone: dead
    assert frontier.recover("s") == 1
    assert frontier.queued("s") == 2 and frontier.leased("s") == 0 and frontier.recovered("s") == 1
    again = frontier.pop("s", "w2")
    assert again is not None and decode_request(again.data)["url"] == "http://a/2"  # its priority kept


def test_finishing_a_lease_counts_once_and_only_for_its_holder(frontier: Frontier) -> None:
    frontier.push("s", queued_request("http://a/1"), 0)
    lease = frontier.pop("s", "w1")
    assert lease is not None
    assert not frontier.ack("s", 7, lease.id, "w2", incr={"report/fetched": 1})  # not w2's lease
    assert frontier.leased("s") == 1
    assert frontier.ack("s", 7, lease.id, "w1", incr={"report/fetched": 1}, values={"discovery/listing_complete": 1})
    assert frontier.leased("s") == 0
    assert frontier.run_stats("s", 7) == {"report/fetched": 2, "discovery/listing_complete": 1}


def test_the_run_dupefilter_marks_and_queues_in_one_step(frontier: Frontier) -> None:
    data = queued_request("http://a/1")
    assert frontier.push_unseen("s", 1, "fp1", data, 0)
    assert not frontier.push_unseen("s", 1, "fp1", data, 0)  # seen in this run
    assert frontier.queued("s") == 1
    assert frontier.push_unseen("s", 2, "fp1", queued_request("http://a/1#2"), 0)  # a new run fetches again


def test_a_run_finishes_once_when_listed_empty_and_unleased(frontier: Frontier) -> None:
    assert frontier.claim("s", 1) is None
    assert frontier.claim("s", 2) == 1  # one run per source at a time
    frontier.begin_run(1, {"s": "{}"}, "test")
    assert not frontier.try_finish("s", 1)  # the seed is queued
    seed = frontier.pop("s", "w1")
    assert seed is not None and decode_request(seed.data)["callback"] == "parse_seed"
    assert not frontier.try_finish("s", 1)  # listing not done
    frontier.ack("s", 1, seed.id, "w1", listed=True)
    results = []
    threads = [threading.Thread(target=lambda: results.append(frontier.try_finish("s", 1))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert frontier.close_source("s", 1) == 0
    assert frontier.active_runs() == {}


def test_every_frontier_step_is_harmless_to_repeat_after_a_lost_reply(frontier: Frontier) -> None:
    """A restart can lose a reply after Redis did the work; the client then sends the same call again."""
    frontier.push("s", queued_request("http://a/1"), 0)
    lease = frontier.pop("s", "w1")
    assert lease is not None
    # a finish sent twice under one token is counted once
    for _ in range(2):
        frontier.ack("s", 7, lease.id, "w1", incr={"report/fetched": 1}, token="t1")
    assert frontier.run_stats("s", 7) == {"report/fetched": 1} and frontier.leased("s") == 0

    # a pop whose reply was lost: the worker does not know that lease; reconciling puts it back
    frontier.push("s", queued_request("http://a/2"), 0)
    frontier.push("s", queued_request("http://a/3"), 0)
    known, lost = frontier.pop("s", "w1"), frontier.pop("s", "w1")
    assert known is not None and lost is not None and frontier.queued("s") == 0
    assert frontier.recover("s", release_worker="w1", keep=[known.id]) == 1
    assert frontier.lease_owners("s") == {known.id: "w1"} and frontier.queued("s") == 1

    # the finisher may ask again (its first answer lost, or its recording failed); no one else may
    assert frontier.claim("r", 3) is None and frontier.claim("r", 3) is None  # a repeated claim is still ours
    frontier.ack("r", 3, None, "w1", listed=True)
    assert frontier.try_finish("r", 3, "w1") and frontier.try_finish("r", 3, "w1")
    assert not frontier.try_finish("r", 3, "w2")


def test_scripts_work_after_the_server_forgot_them(frontier: Frontier, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart between redis-py's reload of a script and its call (the script cache is not in the
    append-only file): redis-py alone failed that call with NoScriptError."""
    client = frontier.redis
    load = client.script_load

    def load_then_forget(script: str) -> str:
        sha = load(script)
        client.script_flush()  # the real server forgets, as a restarted one would
        return sha

    monkeypatch.setattr(client, "script_load", load_then_forget)
    frontier.push("s", queued_request("http://a/1"), 0)
    client.script_flush()
    assert frontier.pop("s", "w1") is not None


def test_the_frontier_rides_out_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(appendonly=True).start()
    try:
        frontier = Frontier.from_url(server.url)
        frontier.push("s", queued_request("http://a/1"), 0)
        frontier.redis.connection_pool.disconnect()  # as after a dropped connection: nothing pooled
        restart = threading.Thread(target=server.restart, kwargs={"down": 1.0})
        restart.start()
        time.sleep(0.3)
        started = time.monotonic()
        lease = frontier.pop("s", "w1")  # waits for the server instead of failing
        waited = time.monotonic() - started
        restart.join()
        assert lease is not None and decode_request(lease.data)["url"] == "http://a/1"  # kept in its file
        assert 0.3 < waited < 20, waited
    finally:
        server.stop()


def test_seed_requests_carry_their_run() -> None:
    seed = seed_request("demo", 42, "cli")
    assert seed["url"].startswith("data:") and seed["meta"]["govarchive_run"] == 42
    assert seed["meta"]["govarchive_kind"] == "seed" and seed["dont_filter"]


def test_a_lock_waits_for_a_live_holder_and_takes_over_from_a_dead_one(frontier: Frontier) -> None:
    frontier.heartbeat("w1", 60)
    frontier.heartbeat("w2", 60)
    order: list[str] = []
    entered = threading.Event()

    def hold() -> None:
        with frontier.lock("x", "w1"):
            entered.set()
            time.sleep(0.3)
            order.append("w1 done")

    thread = threading.Thread(target=hold)
    thread.start()
    entered.wait(5)
    with frontier.lock("x", "w2"):
        order.append("w2 in")
    thread.join()
    assert order == ["w1 done", "w2 in"]

    frontier.redis.set(frontier.key("lock", "y"), "w3", px=600_000)  # w3 never beat: dead
    with frontier.lock("y", "w2"):
        assert frontier.redis.get(frontier.key("lock", "y")) == b"w2"


def test_two_workers_share_one_hosts_concurrency_and_delay(frontier: Frontier) -> None:
    one, two = DomainLimiter(frontier.redis), DomainLimiter(frontier.redis)
    frontier.heartbeat("w1", 60)
    frontier.heartbeat("w2", 60)
    limits = {"concurrency": 2, "delay": 0, "hold": 60}
    assert one.acquire("h", "w1|a", **limits) == 0
    assert two.acquire("h", "w2|b", **limits) == 0
    assert one.acquire("h", "w1|c", **limits) > 0  # the host's two slots are taken, across workers
    assert one.acquire("other", "w1|c", **limits) == 0  # another host has its own
    two.release("h", "w2|b")
    assert one.acquire("h", "w1|c", **limits) == 0
    assert one.in_flight("h") == 2

    frontier.forget_worker("w1")  # w1 dies holding two slots: they are freed at once
    assert two.acquire("h", "w2|d", **limits) == 0

    spaced = {"concurrency": 8, "delay": 30.0, "hold": 60}
    assert one.acquire("g", "w2|e", **spaced) == 0
    wait = two.acquire("g", "w2|f", **spaced)
    assert 25_000 < wait <= 30_000  # the next start is a delay later, whoever asks
    one.pause("p", 120)
    assert one.acquire("p", "w2|g", concurrency=8, delay=0, hold=60) > 100_000  # Retry-After holds everyone


def _govarchive(home: Path, *args: str, redis_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVARCHIVE_")}
    env.update(GOVARCHIVE_HOME=str(home), GOVARCHIVE_WORKER__REDIS_URL=redis_url, **extra)
    return subprocess.run([sys.executable, "-m", "govarchive", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_crawl_distributed_queues_a_run_once_per_source(tmp_path: Path, redis_url: str, frontier: Frontier) -> None:
    import json

    first = _govarchive(tmp_path, "crawl", "--distributed", "--json", "bjmy", redis_url=redis_url)
    assert first.returncode == 0, first.stderr
    queued = json.loads(first.stdout)
    assert queued["status"] == "queued" and queued["sources"] == [{"name": "bjmy", "status": "queued",
                                                                   "error": None}]
    assert frontier.active_runs() == {"bjmy": queued["run_id"]} and frontier.queued("bjmy") == 1
    assert frontier.definition("bjmy") is not None  # workers need no local source files

    again = _govarchive(tmp_path, "crawl", "--distributed", "bjmy", redis_url=redis_url)
    assert again.returncode == 1
    assert f"bjmy: run {queued['run_id']} is still in progress" in again.stderr
    assert "Traceback" not in again.stderr

    # what the scheduler's crawl jobs run (`crawl NAME --json`) queues too when worker.distributed is on
    scheduled = _govarchive(tmp_path, "crawl", "--json", "changzhi", redis_url=redis_url,
                            GOVARCHIVE_WORKER__DISTRIBUTED="true")
    assert scheduled.returncode == 0, scheduled.stderr
    assert json.loads(scheduled.stdout)["status"] == "queued" and "changzhi" in frontier.active_runs()


def test_without_redis_crawl_and_worker_say_so_in_one_line(tmp_path: Path) -> None:
    unreachable = "redis://127.0.0.1:1/0"
    for args in (("crawl", "--distributed", "bjmy"), ("worker", "--idle-timeout", "0")):
        done = _govarchive(tmp_path, *args, redis_url=unreachable)
        assert done.returncode == 1, done.stderr
        assert "cannot reach Redis at redis://127.0.0.1:1/0" in done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_worker_with_nothing_to_do_exits_after_its_idle_timeout(tmp_path: Path, redis_url: str) -> None:
    import json

    done = _govarchive(tmp_path, "worker", "--json", "--idle-timeout", "1", redis_url=redis_url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["reason"] == "idle" and report["sources"] == {} and report["finished_runs"] == []
