"""A conversation lock shared by service replicas that really excludes.

Rasa 3.6's RedisLockStore hands out tickets with a read-modify-write of one
Redis key (get the lock, add a ticket, save it). Two replicas that receive a
message of the same resident at the same moment can both read "no lock", both
save a lock holding ticket 0, and both handle the conversation at once: one
user event is then lost or the replies interleave (tests/test_scaleout.py
showed both). This store keeps Rasa's interface but takes the lock with one
atomic `SET key token NX PX lifetime` and releases it only when the token is
still its own (a compare-and-delete in Lua), the usual single-instance Redis
lock. Waiters poll with a short back-off; order among simultaneous messages is
not guaranteed (it is not defined anyway), exclusion is.

Configured by bot/endpoints.py as `type: bot.locks.AtomicRedisLockStore` when
ONTMOET_REDIS_URL is set; Rasa builds it with `AtomicRedisLockStore(endpoint_config=...)`.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        self._release = self.red.register_script(_RELEASE)

    def _mutex_key(self, conversation_id: Text) -> str:
        return f"{self.key_prefix}mutex:{conversation_id}"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        key = self._mutex_key(conversation_id)
        token = secrets.token_hex(16)
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        deadline = time.monotonic() + lock_lifetime
        delay = 0.01
        while not self.red.set(key, token, nx=True, px=lifetime_ms):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(delay)
            delay = min(delay * 2, max(0.01, min(wait_time_in_seconds, 0.2)))
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                self._release(keys=[key], args=[token])
            except Exception:  # the lock expires by itself after its lifetime
                logger.warning("could not release the conversation lock; it expires by itself")
