"""The conversation lock shared by replicas (bot/locks.py), on the local Redis."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.endpoints import lock_store_params

REDIS_URL = "redis://127.0.0.1:6379/0"


def _store():
    from rasa.core.lock_store import LockStore

    params = lock_store_params(REDIS_URL)
    config = EndpointConfig(**{k: v for k, v in params.items() if v is not None})
    return LockStore.create(config)  # what the service does with the endpoint


@pytest.fixture
def stores():
    redis = pytest.importorskip("redis")
    try:
        redis.StrictRedis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Redis on 127.0.0.1:6379 unreachable: {exc}")
    return _store(), _store()  # two replicas: two clients, one Redis


async def test_the_service_gets_the_atomic_store(stores):
    from bot.locks import AtomicRedisLockStore

    assert all(isinstance(store, AtomicRedisLockStore) for store in stores)


async def test_two_replicas_never_hold_one_conversation_at_once(stores):
    conversation = f"lock-{uuid.uuid4().hex[:8]}"
    inside, overlaps, done = [], [], []

    async def handle(store, n):
        async with store.lock(conversation, lock_lifetime=10):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(list(inside))
            await asyncio.sleep(0.02)
            inside.remove(n)
            done.append(n)

    await asyncio.gather(*(handle(stores[n % 2], n) for n in range(16)))
    assert sorted(done) == list(range(16)) and overlaps == []


async def test_other_conversations_do_not_wait(stores):
    a, b = stores
    async with a.lock(f"lock-{uuid.uuid4().hex[:8]}", lock_lifetime=10):
        # a different resident's message is handled meanwhile, on the other replica
        await asyncio.wait_for(_enter(b, f"lock-{uuid.uuid4().hex[:8]}"), timeout=2)


async def _enter(store, conversation):
    async with store.lock(conversation, lock_lifetime=10):
        return True


async def test_a_lock_is_released_only_by_its_holder_and_expires(stores):
    a, b = stores
    conversation = f"lock-{uuid.uuid4().hex[:8]}"
    key = b._mutex_key(conversation)
    held_by_a = a.lock(conversation, lock_lifetime=0.3)
    await held_by_a.__aenter__()
    await asyncio.sleep(0.5)  # a takes longer than the lifetime: the lock expires
    held_by_b = b.lock(conversation, lock_lifetime=10)
    await asyncio.wait_for(held_by_b.__aenter__(), timeout=2)  # so b may go on
    await held_by_a.__aexit__(None, None, None)  # a's late release ...
    assert b.red.get(key) is not None  # ... does not remove b's lock
    await held_by_b.__aexit__(None, None, None)
    assert b.red.get(key) is None
