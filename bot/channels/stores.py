"""Small state stores for the Telegram and WhatsApp channels.

Each store has a tiny async interface with an in-process implementation (one
node). A shared implementation (Redis) can serve several replicas later; for
deduplication one exists already (`RedisDedupStore`).

* `DedupStore`: "have I seen this platform message id before?" (at-least-once
  deliveries are processed once).
* `AddressStore`: pseudonym -> the real platform address (Telegram chat id,
  WhatsApp wa_id) plus the time of the resident's last message. Needed to send
  a resident a message later (an opbouwwerker's answer) and for WhatsApp's
  24-hour window. Kept in memory only, for `retention_seconds` (default 30 days).
* `ResidentDirectory`: the addresses plus one sender per channel, so that other
  parts of the service can say `await directory.send_to_resident(pseudonym, text)`
  without knowing the platform.
* `Gcra`: a rate gate (generic cell rate algorithm) with an injectable clock,
  used for Telegram's per-chat/global limits and WhatsApp's pair rate limit.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Awaitable, Callable, Dict, Optional, Protocol, Union

from bot.handoff.models import DELIVERED, FAILED

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------
# Deduplication
# --------------------------------------------------------------------------
class DedupStore(Protocol):
    async def first_seen(self, key: str) -> bool:
        """True the first time `key` is offered (within the TTL), else False."""


class MemoryDedupStore:
    """In-process dedup store with a TTL and a size bound."""

    def __init__(
        self,
        ttl_seconds: float = 7 * 24 * 3600,
        max_keys: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    async def first_seen(self, key: str) -> bool:
        now = self._clock()
        # Drop expired keys from the old end.
        while self._seen:
            oldest, stamp = next(iter(self._seen.items()))
            if now - stamp <= self.ttl_seconds:
                break
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return True


class RedisDedupStore:
    """Dedup store shared by replicas: `SET key 1 NX EX ttl` in Redis."""

    def __init__(self, client, prefix: str = "ontmoet:dedup:", ttl_seconds: int = 7 * 24 * 3600):
        self._client = client  # a redis.asyncio.Redis
        self.prefix = prefix
        self.ttl_seconds = int(ttl_seconds)

    @classmethod
    def from_url(cls, url: str, **kwargs) -> "RedisDedupStore":
        import redis.asyncio as redis_asyncio

        return cls(redis_asyncio.from_url(url), **kwargs)

    async def first_seen(self, key: str) -> bool:
        stored = await self._client.set(self.prefix + key, b"1", nx=True, ex=self.ttl_seconds)
        return bool(stored)


def make_dedup_store(redis_url: str = "") -> DedupStore:
    """Redis when configured (several replicas), else in-process."""
    if redis_url:
        return RedisDedupStore.from_url(redis_url)
    return MemoryDedupStore()


# --------------------------------------------------------------------------
# Resident addresses
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ResidentAddress:
    channel: str  # "telegram" | "whatsapp"
    address: str  # Telegram chat id or WhatsApp wa_id: never logged
    last_inbound: Optional[float] = None  # epoch seconds of the resident's last message
    language: str = "nl"


class AddressStore(Protocol):
    async def remember(self, pseudonym: str, address: ResidentAddress) -> None: ...

    async def lookup(self, pseudonym: str) -> Optional[ResidentAddress]: ...


class MemoryAddressStore:
    """pseudonym -> ResidentAddress, in memory, forgotten after `retention_seconds`."""

    def __init__(
        self,
        retention_seconds: float = 30 * 24 * 3600,
        max_entries: int = 200_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.retention_seconds = retention_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._data: "OrderedDict[str, tuple]" = OrderedDict()

    async def remember(self, pseudonym: str, address: ResidentAddress) -> None:
        old = self._data.get(pseudonym)
        if old is not None and address.last_inbound is None:
            address = replace(address, last_inbound=old[1].last_inbound)
        elif old is not None and old[1].last_inbound and address.last_inbound:
            address = replace(
                address, last_inbound=max(old[1].last_inbound, address.last_inbound)
            )
        self._data[pseudonym] = (self._clock(), address)
        self._data.move_to_end(pseudonym)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    async def lookup(self, pseudonym: str) -> Optional[ResidentAddress]:
        found = self._data.get(pseudonym)
        if not found:
            return None
        stamp, address = found
        if self._clock() - stamp > self.retention_seconds:
            self._data.pop(pseudonym, None)
            return None
        return address

    async def forget(self, pseudonym: str) -> None:
        self._data.pop(pseudonym, None)


# (pseudonym, address, text[, receipt=...]) -> True | False | "delivered" | "waiting" | "failed"
ChannelSender = Callable[..., Awaitable[Union[bool, str]]]


class ResidentDirectory:
    """Addresses of residents plus one sender per channel.

    Channels register a sender (`register_sender("whatsapp", fn)`); the handoff
    module sends an opbouwwerker's text with `send_to_resident(pseudonym, text)`.
    """

    def __init__(self, addresses: Optional[AddressStore] = None) -> None:
        self.addresses: AddressStore = addresses or MemoryAddressStore()
        self._senders: Dict[str, ChannelSender] = {}
        self._reminder_senders: Dict[str, ChannelSender] = {}

    def register_sender(self, channel: str, sender: ChannelSender) -> None:
        self._senders[channel] = sender

    def register_reminder_sender(self, channel: str, sender: ChannelSender) -> None:
        """A channel's own way to send a reminder (WhatsApp: the reminder template
        outside the 24-hour window); other channels send it as any message."""
        self._reminder_senders[channel] = sender

    async def remember(self, pseudonym: str, address: ResidentAddress) -> None:
        await self.addresses.remember(pseudonym, address)

    async def lookup(self, pseudonym: str) -> Optional[ResidentAddress]:
        return await self.addresses.lookup(pseudonym)

    async def forget(self, pseudonym: str) -> None:
        """"Verwijder mijn gegevens": the address is gone (a new message brings it back)."""
        forget = getattr(self.addresses, "forget", None)
        if forget is not None:
            await forget(pseudonym)

    async def send_to_resident(self, pseudonym: str, text: str) -> bool:
        """Send `text` to the resident behind `pseudonym` on their own channel.

        Returns False when the address is unknown (e.g. expired, or a web chat
        resident) or the channel is not running; the caller then shows the
        opbouwwerker that the message could not be delivered."""
        return await self.deliver(pseudonym, text) != FAILED

    async def deliver(self, pseudonym: str, text: str,
                      receipt: Optional[Callable[[], None]] = None) -> str:
        """Send `text` and say how far it got: "delivered" (the platform took it),
        "waiting" (held until the resident's channel fetches it, e.g. the web chat
        outbox; `receipt()` is called then) or "failed" (bot.handoff.models).

        A sender returns True (delivered), False (failed) or one of those states;
        `receipt` is passed to it only when given and the sender takes it (a
        sender that never holds a message need not)."""
        return await self._deliver(self._senders, pseudonym, text, receipt)

    async def deliver_reminder(self, pseudonym: str, text: str,
                               receipt: Optional[Callable[[], None]] = None) -> str:
        """Like `deliver`, through the channel's reminder sender when it has one
        (bot/reminders/runtime.py); that one may also say "no_template"."""
        senders = dict(self._senders, **self._reminder_senders)
        return await self._deliver(senders, pseudonym, text, receipt)

    async def _deliver(self, senders: Dict[str, ChannelSender], pseudonym: str, text: str,
                       receipt: Optional[Callable[[], None]]) -> str:
        address = await self.addresses.lookup(pseudonym)
        if address is None:
            logger.info("directory: no address for %s", pseudonym)
            return FAILED
        sender = senders.get(address.channel)
        if sender is None:
            logger.warning("directory: channel %s not running for %s", address.channel, pseudonym)
            return FAILED
        if receipt is None or not _takes_receipt(sender):
            result = await sender(pseudonym, address, text)
        else:
            result = await sender(pseudonym, address, text, receipt=receipt)
        if isinstance(result, str):
            return result
        return DELIVERED if result else FAILED


def _takes_receipt(sender: ChannelSender) -> bool:
    """Does this sender accept `receipt=` (a channel that holds messages does)?"""
    try:
        parameters = inspect.signature(sender).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "receipt" or p.kind is p.VAR_KEYWORD for p in parameters)


_default_directory: Optional[ResidentDirectory] = None


def default_directory() -> ResidentDirectory:
    """The process-wide directory (created on first use, never at import)."""
    global _default_directory
    if _default_directory is None:
        _default_directory = ResidentDirectory()
    return _default_directory


# --------------------------------------------------------------------------
# Rate gate
# --------------------------------------------------------------------------
class Gcra:
    """Generic cell rate algorithm: `rate` per `period`, bursts of `burst`.

    `reserve(key)` books the next slot and returns how long to wait before
    using it (0 when free). Booking happens before any await, so concurrent
    callers never get the same slot.
    """

    def __init__(
        self,
        period: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.interval = float(period)
        self.tolerance = self.interval * max(0, burst - 1)
        self._clock = clock
        self._tat: "OrderedDict[object, float]" = OrderedDict()
        self.max_keys = max_keys

    def reserve(self, key: object = None) -> float:
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        wait = max(0.0, tat - self.tolerance - now)
        self._tat[key] = tat + self.interval
        self._tat.move_to_end(key)
        if len(self._tat) > self.max_keys:
            # Forget keys whose slots are all in the past.
            for old_key in list(self._tat)[: len(self._tat) - self.max_keys]:
                if self._tat[old_key] <= now:
                    del self._tat[old_key]
        return wait

    async def wait(self, key: object = None, sleep: Callable[[float], Awaitable] = asyncio.sleep) -> float:
        delay = self.reserve(key)
        if delay > 0:
            await sleep(delay)
        return delay
