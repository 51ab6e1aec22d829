"""Channel stores: dedup (memory and Redis), addresses, directory, rate gate."""
from __future__ import annotations

import logging
import uuid

import pytest

from bot.channels.stores import (
    Gcra,
    MemoryAddressStore,
    MemoryDedupStore,
    RedisDedupStore,
    ResidentAddress,
    ResidentDirectory,
)


class Clock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


async def test_memory_dedup_once_within_ttl():
    clock = Clock()
    store = MemoryDedupStore(ttl_seconds=60, clock=clock)
    assert await store.first_seen("wa:1")
    assert not await store.first_seen("wa:1")
    assert await store.first_seen("wa:2")
    clock.now += 61
    assert await store.first_seen("wa:1")  # forgotten after the TTL


async def test_memory_dedup_is_bounded():
    store = MemoryDedupStore(max_keys=3)
    for i in range(5):
        assert await store.first_seen(str(i))
    assert len(store._seen) == 3


async def test_redis_dedup_against_local_redis():
    redis_asyncio = pytest.importorskip("redis.asyncio")
    client = redis_asyncio.from_url("redis://127.0.0.1:6379/15")
    try:
        await client.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    store = RedisDedupStore(client, prefix=f"test:{uuid.uuid4().hex}:", ttl_seconds=30)
    try:
        assert await store.first_seen("wa:1")
        assert not await store.first_seen("wa:1")
        other_replica = RedisDedupStore(client, prefix=store.prefix, ttl_seconds=30)
        assert not await other_replica.first_seen("wa:1")
        assert 0 < await client.ttl(store.prefix + "wa:1") <= 30
    finally:
        await client.delete(store.prefix + "wa:1")
        await client.close()


async def test_address_store_keeps_latest_inbound_and_forgets_after_retention():
    clock = Clock(1000.0)
    store = MemoryAddressStore(retention_seconds=3600, clock=clock)
    await store.remember("wh-a", ResidentAddress("whatsapp", "316", last_inbound=900.0))
    await store.remember("wh-a", ResidentAddress("whatsapp", "316", last_inbound=800.0))  # late redelivery
    assert (await store.lookup("wh-a")).last_inbound == 900.0
    await store.remember("wh-a", ResidentAddress("whatsapp", "316"))  # no time: keep it
    assert (await store.lookup("wh-a")).last_inbound == 900.0
    clock.now += 3601
    assert await store.lookup("wh-a") is None


async def test_directory_sends_on_the_residents_own_channel():
    sent = []

    async def telegram(pseudonym, address, text):
        sent.append(("telegram", address.address, text))
        return True

    directory = ResidentDirectory()
    directory.register_sender("telegram", telegram)
    await directory.remember("te-a", ResidentAddress("telegram", "42"))
    await directory.remember("wh-b", ResidentAddress("whatsapp", "316"))
    assert await directory.send_to_resident("te-a", "hoi")
    assert not await directory.send_to_resident("wh-b", "hoi")  # channel not running
    assert not await directory.send_to_resident("te-unknown", "hoi")
    assert sent == [("telegram", "42", "hoi")]


def test_gcra_burst_then_steady_rate():
    clock = Clock(0.0)
    gate = Gcra(period=6.0, burst=2, clock=clock)
    assert [gate.reserve("x"), gate.reserve("x"), gate.reserve("x")] == [0.0, 0.0, 6.0]
    assert gate.reserve("y") == 0.0  # per key
    clock.now = 100.0
    assert gate.reserve("x") == 0.0


def test_bot_token_is_redacted_from_http_logs(caplog):
    from bot.channels.telegram.client import redact_token_in_http_logs

    redact_token_in_http_logs()
    with caplog.at_level(logging.INFO, logger="httpx"):
        logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "POST",
                                        "https://api.telegram.org/bot123456:AAH-secret_x/sendMessage", "200")
    assert "AAH-secret_x" not in caplog.text
    assert "/bot<token>/sendMessage" in caplog.text
