"""The shared frontier in Redis: queues, leases, runs and heartbeats (no Scrapy here).

Per source ``S`` (prefix ``govarchive``):

- ``govarchive:S:requests``  the request queue, scrapy-redis' PriorityQueue layout (a sorted set of
  pickled ``Request.to_dict()``, score = -priority), so ``scrapy_redis`` tools can read it;
- ``govarchive:S:leases`` / ``govarchive:S:owners``  requests a worker has popped and not finished:
  lease id → request, lease id → ``worker|score``. Popping moves a request from the queue into the
  leases in one Lua call; finishing it deletes the lease. A worker whose heartbeat key
  ``govarchive:worker:W`` has expired is dead: any worker puts its leases back into the queue.
- ``govarchive:S:run:R:seen``  the run's dupefilter (scrapy-redis fingerprints); marking a request
  seen and queueing it is one Lua call, so a kill between the two cannot lose it.
- ``govarchive:S:run:R:stats``  the run's crawl counters, summed over workers as they finish work.
- ``govarchive:active``  source → run id of every distributed run not yet finished.

A run of a source is finished when its listing is done (``…:run:R:listed``), its queue is empty and
no lease is held; the first worker to see that (``…:run:R:finishing``, SET NX with a TTL) records it.

A Redis restart (the data kept in its append-only file) is ridden out: every call is tried again
for a while (``redis_client.PatientRedis``), so every call must be harmless to repeat after its
reply was lost: a lease's finish carries a token (``govarchive:ack:T``) and counts once; a lease
popped for a lost reply is put back by its worker's next reconciliation (``recover`` with ``keep``);
the finisher of a run may ask ``try_finish`` again; scripts the restarted server forgot are sent again.
"""

from __future__ import annotations

import json
import pickle
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

PREFIX = "govarchive"
RUN_KEY_TTL = 7 * 24 * 3600  # a run's dupefilter and counters outlive it by a week, then expire
FINISH_LEASE_SECONDS = 120
ACK_TOKEN_TTL = 3600  # a finished lease's token is kept this long against a repeated call
LOCK_SECONDS = 600  # a lock outlives its holder only until the holder's heartbeat has expired
SEED_PRIORITY = 100

_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local id = redis.sha1hex(item[1])
redis.call('HSET', KEYS[2], id, item[1])
redis.call('HSET', KEYS[3], id, ARGV[1] .. '|' .. item[2])
return {id, item[1]}
"""

_PUSH_UNSEEN = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: leases, owners, stats, listed-flag, ack token; ARGV: lease id, worker, counters JSON, mark listed (0/1),
# ttl, token ttl. The token makes a repeated call (its reply lost to a dropped connection) a no-op.
_ACK = """
local done = redis.call('GET', KEYS[5])
if done then return tonumber(done) end
local owner = redis.call('HGET', KEYS[2], ARGV[1])
local mine = 0
if owner and string.sub(owner, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  mine = 1
end
local counts = cjson.decode(ARGV[3])
for key, value in pairs(counts['incr']) do redis.call('HINCRBY', KEYS[3], key, value) end
for key, value in pairs(counts['set']) do redis.call('HSET', KEYS[3], key, value) end
if next(counts['incr']) ~= nil or next(counts['set']) ~= nil then redis.call('EXPIRE', KEYS[3], ARGV[5]) end
if ARGV[4] == '1' then redis.call('SET', KEYS[4], '1', 'EX', ARGV[5]) end
redis.call('SET', KEYS[5], mine, 'EX', ARGV[6])
return mine
"""

# KEYS: queue, leases, owners, recovered counter; ARGV: worker key prefix, worker to release ('' = the dead),
# then lease ids of that worker to keep
_RECOVER = """
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
local owners = redis.call('HGETALL', KEYS[3])
local n = 0
for i = 1, #owners, 2 do
  local id, value = owners[i], owners[i + 1]
  local sep = string.find(value, '|', 1, true)
  local worker = string.sub(value, 1, sep - 1)
  local release = (ARGV[2] ~= '' and worker == ARGV[2] and not keep[id])
    or (ARGV[2] == '' and redis.call('EXISTS', ARGV[1] .. worker) == 0)
  if release then
    local member = redis.call('HGET', KEYS[2], id)
    if member then redis.call('ZADD', KEYS[1], string.sub(value, sep + 1), member) end
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    n = n + 1
  end
end
if n > 0 and ARGV[2] == '' then redis.call('INCRBY', KEYS[4], n) end
return n
"""

# KEYS: active, queue, leases, listed, finishing; ARGV: source, run, ttl, worker (the finisher may ask again)
_TRY_FINISH = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then return 0 end
if redis.call('SET', KEYS[5], ARGV[4], 'NX', 'EX', ARGV[3]) then return 1 end
if ARGV[4] ~= '' and redis.call('GET', KEYS[5]) == ARGV[4] then return 1 end
return 0
"""

# KEYS: active, pending sources of the run; ARGV: source, run → how many sources of the run remain
_CLOSE_SOURCE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('SREM', KEYS[2], ARGV[1])
return redis.call('SCARD', KEYS[2])
"""


# KEYS: lock; ARGV: owner, ttl ms, worker key prefix → 1 when taken (free, ours, or its owner is dead)
_LOCK = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. owner) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: lock; ARGV: owner
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


class LuaScript:
    """A Lua script called by its SHA, and by its text when the server no longer knows it.

    redis-py's ``Script`` loads a script again once after ``NOSCRIPT``; a server restarted between
    that load and the call (its script cache is not in the append-only file) failed the call.
    """

    def __init__(self, client: Any, text: str) -> None:
        self.client = client
        self.text = text
        self.script = client.register_script(text)

    def __call__(self, *, keys: list[Any], args: list[Any]) -> Any:
        from redis.exceptions import NoScriptError

        try:
            return self.script(keys=keys, args=args)
        except NoScriptError:
            return self.client.eval(self.text, len(keys), *keys, *args)


@dataclass(frozen=True, slots=True)
class Lease:
    """A request popped from a source's queue and held by one worker until it is finished."""

    id: str
    data: bytes  # the pickled request dict


def encode_request(request_dict: Mapping[str, Any]) -> bytes:
    """The queue's member format (scrapy-redis' picklecompat)."""
    return pickle.dumps(dict(request_dict), protocol=-1)


def decode_request(data: bytes) -> dict[str, Any]:
    return pickle.loads(data)  # noqa: S301 — our own queue, written by our own workers


def seed_request(source: str, run_id: int, trigger: str) -> dict[str, Any]:
    """The request that starts a source's listing in whichever worker pops it.

    A ``data:`` URL: no network, so the worker that takes it simply becomes the run's lister.
    """
    from scrapy import Request

    request = Request(
        f"data:text/plain,govarchive seed {source} run {run_id}",
        meta={"govarchive_kind": "seed", "govarchive_run": run_id, "govarchive_trigger": trigger},
        priority=SEED_PRIORITY,
        dont_filter=True,
    )
    out = request.to_dict()
    out["callback"], out["errback"] = "parse_seed", "seed_failed"
    return out


def redis_retry_options() -> dict[str, Any]:
    """scrapy-redis' ``REDIS_PARAMS`` for a client that rides out a Redis restart (see redis_client.py)."""
    return {"redis_cls": "crawler.distributed.redis_client.PatientRedis"}


class Frontier:
    """The Redis side of distributed crawling, for one Redis server (thread-safe)."""

    def __init__(self, client: Any, prefix: str = PREFIX) -> None:
        self.redis = client
        self.prefix = prefix
        self._pop = LuaScript(client, _POP)
        self._push_unseen = LuaScript(client, _PUSH_UNSEEN)
        self._ack = LuaScript(client, _ACK)
        self._recover = LuaScript(client, _RECOVER)
        self._try_finish = LuaScript(client, _TRY_FINISH)
        self._close_source = LuaScript(client, _CLOSE_SOURCE)
        self._lock = LuaScript(client, _LOCK)
        self._unlock = LuaScript(client, _UNLOCK)

    @classmethod
    def from_url(cls, url: str, prefix: str = PREFIX) -> Frontier:
        from crawler.distributed.redis_client import PatientRedis

        return cls(PatientRedis.from_url(url, socket_connect_timeout=10, socket_timeout=30, health_check_interval=30),
                   prefix)

    def check(self) -> None:
        """PING once, at once: a first contact fails fast rather than riding out an outage."""
        import redis

        redis.Redis.execute_command(self.redis, "PING")

    # Keys ------------------------------------------------------------------------------
    def key(self, *parts: object) -> str:
        return ":".join((self.prefix, *(str(p) for p in parts)))

    def queue_key(self, source: str) -> str:
        return self.key(source, "requests")

    def seen_key(self, source: str, run_id: int) -> str:
        return self.key(source, "run", run_id, "seen")

    def stats_key(self, source: str, run_id: int) -> str:
        return self.key(source, "run", run_id, "stats")

    def worker_key(self, worker: str) -> str:
        return self.key("worker", worker)

    # Queue -----------------------------------------------------------------------------
    def push(self, source: str, data: bytes, priority: int) -> None:
        """Queue a request unconditionally (seeds, requests put back)."""
        self.redis.zadd(self.queue_key(source), {data: -priority})

    def push_unseen(self, source: str, run_id: int, fingerprint: str, data: bytes, priority: int) -> bool:
        """Queue a request unless the run has seen its fingerprint; both in one step."""
        keys = [self.seen_key(source, run_id), self.queue_key(source)]
        return bool(self._push_unseen(keys=keys, args=[fingerprint, -priority, data, RUN_KEY_TTL]))

    def pop(self, source: str, worker: str) -> Lease | None:
        """Take the first request of the queue as a lease held by ``worker``."""
        found = self._pop(keys=[self.queue_key(source), self.key(source, "leases"), self.key(source, "owners")],
                          args=[worker])
        if not found:
            return None
        lease_id, data = found
        return Lease(lease_id.decode() if isinstance(lease_id, bytes) else lease_id, data)

    def ack(self, source: str, run_id: int | None, lease_id: str | None, worker: str, *,
            incr: Mapping[str, int] | None = None, values: Mapping[str, Any] | None = None,
            listed: bool = False, token: str | None = None) -> bool:
        """Finish a lease and add the counters it produced to its run; True if it was still ours.

        Done once per ``token`` (a new one when not given): the same call repeated, by redis-py's
        retry after a dropped connection or by the caller, adds nothing twice.
        """
        run = run_id if run_id is not None else 0
        counts = json.dumps({"incr": dict(incr or {}), "set": {k: str(v) for k, v in (values or {}).items()}})
        keys = [self.key(source, "leases"), self.key(source, "owners"), self.stats_key(source, run),
                self.key(source, "run", run, "listed"), self.key("ack", token or uuid.uuid4().hex)]
        return bool(self._ack(keys=keys, args=[lease_id or "", worker, counts, "1" if listed else "0",
                                               RUN_KEY_TTL, ACK_TOKEN_TTL]))

    def recover(self, source: str, *, release_worker: str = "", keep: Iterable[str] = ()) -> int:
        """Put back the leases of dead workers (or ``release_worker``'s but those in ``keep``); how many.

        ``keep`` = the leases a live worker knows it holds: the others are those whose pop reply a
        dropped connection lost, which would hold the run open for as long as the worker lives.
        """
        keys = [self.queue_key(source), self.key(source, "leases"), self.key(source, "owners"),
                self.key(source, "recovered")]
        return int(self._recover(keys=keys, args=[self.key("worker", ""), release_worker, *keep]))

    def queued(self, source: str) -> int:
        return int(self.redis.zcard(self.queue_key(source)))

    def leased(self, source: str) -> int:
        return int(self.redis.hlen(self.key(source, "leases")))

    def recovered(self, source: str) -> int:
        return int(self.redis.get(self.key(source, "recovered")) or 0)

    def lease_owners(self, source: str) -> dict[str, str]:
        """Lease id → worker, for operators and tests."""
        raw = self.redis.hgetall(self.key(source, "owners"))
        return {k.decode(): v.decode().split("|", 1)[0] for k, v in raw.items()}

    # Runs ------------------------------------------------------------------------------
    def active_runs(self) -> dict[str, int]:
        """Source → run id of every distributed run still in progress."""
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.key("active")).items()}

    def active_run(self, source: str) -> int | None:
        value = self.redis.hget(self.key("active"), source)
        return int(value) if value is not None else None

    def definition(self, source: str) -> str | None:
        """The source definition (JSON) its last seeding published for workers."""
        value = self.redis.get(self.key("source", source))
        return value.decode() if value is not None else None

    def begin_run(self, run_id: int, sources: Mapping[str, str], trigger: str) -> None:
        """Publish a run: each source's definition, its seed request, the source marked active.

        The caller has checked (``claim``) that none of the sources has a run in progress.
        """
        pipe = self.redis.pipeline(transaction=True)
        for name, definition in sources.items():
            pipe.set(self.key("source", name), definition)
            pipe.zadd(self.queue_key(name), {encode_request(seed_request(name, run_id, trigger)): -SEED_PRIORITY})
            pipe.sadd(self.key("run", run_id, "pending"), name)
            pipe.sadd(self.key("run", run_id, "sources"), name)
        for kind in ("pending", "sources"):
            pipe.expire(self.key("run", run_id, kind), RUN_KEY_TTL)
        pipe.execute()

    def claim(self, source: str, run_id: int) -> int | None:
        """Mark ``source`` active for ``run_id``; the run already holding it otherwise."""
        if self.redis.hsetnx(self.key("active"), source, run_id):
            return None
        current = self.active_run(source)
        if current == run_id:  # ours: a repeated HSETNX whose first reply was lost
            return None
        return current if current is not None else self.claim(source, run_id)

    def abandon(self, source: str, run_id: int) -> None:
        """Forget a run of ``source`` that will never finish: its queue, leases and activity."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self.queue_key(source), self.key(source, "leases"), self.key(source, "owners"))
        pipe.srem(self.key("run", run_id, "pending"), source)
        pipe.execute()
        self._close_source(keys=[self.key("active"), self.key("run", run_id, "pending")], args=[source, run_id])

    def try_finish(self, source: str, run_id: int, worker: str = "") -> bool:
        """True for exactly one caller once the run of ``source`` has nothing left to do (for that
        ``worker`` again until the run is closed: its reply may have been lost, or its recording failed)."""
        keys = [self.key("active"), self.queue_key(source), self.key(source, "leases"),
                self.key(source, "run", run_id, "listed"), self.key(source, "run", run_id, "finishing")]
        return bool(self._try_finish(keys=keys, args=[source, run_id, FINISH_LEASE_SECONDS, worker]))

    def close_source(self, source: str, run_id: int) -> int:
        """The source's part of the run is recorded: no longer active; how many sources remain."""
        return int(self._close_source(keys=[self.key("active"), self.key("run", run_id, "pending")],
                                      args=[source, run_id]))

    def run_stats(self, source: str, run_id: int) -> dict[str, Any]:
        """The run's counters for ``source``, summed over every worker (numbers as numbers)."""
        out: dict[str, Any] = {}
        for key, value in self.redis.hgetall(self.stats_key(source, run_id)).items():
            name, text = key.decode(), value.decode()
            try:
                out[name] = int(text)
            except ValueError:
                out[name] = text
        return out

    # Locks -----------------------------------------------------------------------------
    @contextmanager
    def lock(self, name: str, worker: str, *, ttl: float = LOCK_SECONDS, poll: float = 0.05) -> Iterator[None]:
        """Hold ``name`` against other workers; a dead worker's lock (no heartbeat) is taken over."""
        key = self.key("lock", name)
        while not self._lock(keys=[key], args=[worker, int(ttl * 1000), self.key("worker", "")]):
            time.sleep(poll)
        try:
            yield
        finally:
            self._unlock(keys=[key], args=[worker])

    # Workers ---------------------------------------------------------------------------
    def heartbeat(self, worker: str, ttl: float, info: Mapping[str, Any] | None = None) -> None:
        """Say ``worker`` is alive for ``ttl`` more seconds."""
        self.redis.set(self.worker_key(worker), json.dumps({"at": time.time(), **(info or {})}),
                       px=max(1, int(ttl * 1000)))

    def forget_worker(self, worker: str) -> None:
        self.redis.delete(self.worker_key(worker))

    def workers(self) -> list[str]:
        """Workers whose heartbeat is current."""
        pattern = self.key("worker", "*")
        return sorted(k.decode().rsplit(":", 1)[1] for k in self.redis.scan_iter(match=pattern, count=100))
