"""Per-domain politeness shared by every worker: a Redis semaphore and a Redis start-time gate.

Scrapy's own ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` only see one process; two
workers would each use the whole allowance. Here, before a request to host ``H`` goes out, the
downloader middleware asks Redis (one Lua call, Redis' clock) for

- a slot in ``govarchive:polite:H:slots`` — at most ``concurrency`` requests to ``H`` in flight
  over all workers; a slot is given back when the response (or the error) arrives, and expires
  after the download timeout should its worker die;
- the gate ``govarchive:polite:H:next`` — the earliest time the next request to ``H`` may start;
  taking a slot moves it ``delay`` seconds on, and a ``Retry-After`` answer moves it further.

The middleware waits (without blocking the reactor) and asks again until both say yes. Workers run
with Scrapy's local delay and AutoThrottle off, so what leaves the machine is what Redis allowed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy.utils.defer import maybe_deferred_to_future

from crawler.config import crawl_config
from crawler.distributed.frontier import LuaScript
from crawler.middlewares.retry import retry_after_seconds

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

TOKEN = "govarchive_polite_token"
BUSY_WAIT_MS = 100  # every slot taken: ask again after this long

# KEYS: slots, gate; ARGV: token (worker|id), concurrency, delay ms, hold ms, busy wait ms, worker key prefix
# → 0 (go) or milliseconds to wait. Slots of workers without a heartbeat are freed on the spot.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local sep = string.find(token, '|', 1, true)
    if sep and redis.call('EXISTS', ARGV[6] .. string.sub(token, 1, sep - 1)) == 0 then
      redis.call('ZREM', KEYS[1], token)
    end
  end
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return tonumber(ARGV[5]) end
end
local gate = tonumber(redis.call('GET', KEYS[2]) or '0')
if gate > now then return gate - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], now + tonumber(ARGV[3]), 'PX', tonumber(ARGV[3]) + 1000)
end
return 0
"""

# KEYS: gate; ARGV: pause ms
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gate = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + tonumber(ARGV[1]) > gate then
  redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 1000)
end
return 0
"""


class DomainLimiter:
    """The shared allowance of one host: ``acquire`` a slot, ``release`` it, ``pause`` the host."""

    def __init__(self, client: Any, prefix: str = "govarchive") -> None:
        self.redis = client
        self.prefix = prefix
        self._acquire = LuaScript(client, _ACQUIRE)
        self._pause = LuaScript(client, _PAUSE)

    def _keys(self, host: str) -> list[str]:
        return [f"{self.prefix}:polite:{host}:slots", f"{self.prefix}:polite:{host}:next"]

    def acquire(self, host: str, token: str, *, concurrency: int, delay: float, hold: float) -> int:
        """0 when ``token`` (``worker|id``) now holds a slot of ``host``; else milliseconds to wait."""
        args = [token, concurrency, int(delay * 1000), int(hold * 1000), BUSY_WAIT_MS, f"{self.prefix}:worker:"]
        return int(self._acquire(keys=self._keys(host), args=args))

    def release(self, host: str, token: str) -> None:
        self.redis.zrem(self._keys(host)[0], token)

    def pause(self, host: str, seconds: float) -> None:
        """No request to ``host`` from any worker for ``seconds`` (a ``Retry-After``)."""
        self._pause(keys=self._keys(host)[1:], args=[int(seconds * 1000)])

    def in_flight(self, host: str) -> int:
        return int(self.redis.zcard(self._keys(host)[0]))


class SharedPolitenessMiddleware:
    """Downloader middleware (closest to the network): hold a host's shared slot per request."""

    def __init__(self, crawler: Crawler, limiter: DomainLimiter, *, worker: str, concurrency: int, delay: float,
                 hold: float, max_pause: float) -> None:
        self.crawler = crawler
        self.worker = worker
        self.limiter = limiter
        self.concurrency = concurrency
        self.delay = delay
        self.hold = hold
        self.max_pause = max_pause

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy_redis import connection

        settings = crawler.settings
        config = crawl_config(crawler)
        limiter = DomainLimiter(connection.from_settings(settings), config.frontier_prefix)
        return cls(crawler, limiter, worker=config.worker_id or "worker", concurrency=config.shared_concurrency,
                   delay=config.shared_delay, hold=settings.getfloat("DOWNLOAD_TIMEOUT", 30) + 30,
                   max_pause=config.retry_max_delay)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if not host or not request.url.startswith(("http://", "https://")):
            return
        from twisted.internet import reactor, task

        token = f"{self.worker}|{uuid.uuid4().hex}"
        waited = 0
        while (wait_ms := self.limiter.acquire(host, token, concurrency=self.concurrency, delay=self.delay,
                                                hold=self.hold)) > 0:
            waited += wait_ms
            await maybe_deferred_to_future(task.deferLater(reactor, wait_ms / 1000, lambda: None))
        if waited and self.crawler.stats:
            self.crawler.stats.inc_value("politeness/waited_ms", waited)
        request.meta[TOKEN] = (host, token)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(TOKEN, None)
        if held is not None:
            self.limiter.release(*held)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        if response.status in (429, 503):
            seconds = retry_after_seconds((response.headers.get("Retry-After") or b"").decode("latin-1"))
            if seconds and (host := urlsplit(request.url).hostname):
                self.limiter.pause(host, min(seconds, self.max_pause))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)
