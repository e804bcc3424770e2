"""The Redis client of the frontier: a call rides out a Redis restart instead of failing at once.

redis-py's own ``Retry`` covers a command on a connection it already holds, but not taking a
connection from the pool: once its connections dropped, the first call after a restart failed at
once with "Connection refused". Here every call is tried again on a refused, dropped or still
loading server (``BusyLoadingError`` is a ``ConnectionError``), with back-off, for up to
``PATIENCE_SECONDS``. That is safe because every frontier call is idempotent under repetition
(``crawler/distributed/frontier.py``: ack tokens, lease reconciliation, the finisher's name).
"""

from __future__ import annotations

import time
from typing import Any

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

PATIENCE_SECONDS = 30.0
FIRST_PAUSE = 0.05
LONGEST_PAUSE = 2.0


class PatientRedis(redis.Redis):
    """``redis.Redis`` whose commands are tried again for ``PATIENCE_SECONDS`` while the server is away."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        deadline = time.monotonic() + PATIENCE_SECONDS
        pause = FIRST_PAUSE
        while True:
            try:
                return super().execute_command(*args, **options)
            except (RedisConnectionError, RedisTimeoutError):
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
