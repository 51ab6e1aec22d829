"""Live contact between a resident and an opbouwwerker, in the channel layer.

While a request is `in_contact` through the chat (an opbouwwerker started live
chat in Telegram or the dashboard), Rasa's conversation is paused and the
assistant does not answer. Rasa would still run the NLU on those messages, so
the relay happens here, before Rasa: the resident's message goes to the
opbouwwerker (timeline + Telegram), and nothing reaches the assistant.

Web chat and REST residents cannot be pushed to: an opbouwwerker's answer waits
in the `Outbox` until the web chat page fetches it (it polls every few seconds).
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from typing import Deque, List, Optional

logger = logging.getLogger(__name__)


class Outbox:
    """Messages waiting for a web chat / REST resident (in-process, bounded)."""

    def __init__(self, per_resident: int = 50, max_residents: int = 10_000,
                 ttl_seconds: float = 7 * 24 * 3600) -> None:
        self.per_resident = per_resident
        self.max_residents = max_residents
        self.ttl_seconds = ttl_seconds
        self._boxes: "OrderedDict[str, Deque[tuple]]" = OrderedDict()

    def put(self, pseudonym: str, text: str) -> None:
        box = self._boxes.setdefault(pseudonym, deque(maxlen=self.per_resident))
        box.append((time.time(), text))
        self._boxes.move_to_end(pseudonym)
        while len(self._boxes) > self.max_residents:
            self._boxes.popitem(last=False)

    def take(self, pseudonym: str) -> List[str]:
        box = self._boxes.pop(pseudonym, None)
        if not box:
            return []
        cutoff = time.time() - self.ttl_seconds
        return [text for stamp, text in box if stamp >= cutoff]

    def forget(self, pseudonym: str) -> None:
        """"Verwijder mijn gegevens": waiting messages are dropped unread."""
        self._boxes.pop(pseudonym, None)

    async def send(self, pseudonym: str, address, text: str) -> bool:
        """A ResidentDirectory sender for the web chat and REST channels."""
        self.put(pseudonym, text)
        return True


class LiveContact:
    """Intercepts a resident's message while an opbouwwerker is live with them."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    async def intercept(self, pseudonym: str, text: str) -> bool:
        """True when the message went to an opbouwwerker instead of the assistant."""
        try:
            live = await self.runtime.queue_async.live_request(pseudonym)
        except Exception:  # the assistant still answers when the queue is down
            logger.exception("live contact: queue unavailable")
            return False
        if live is None:
            return False
        forward = await self.runtime.queue_async.record_resident_message(pseudonym, text)
        if forward is not None:
            member, staff_text = self.runtime.telegram.forward_for_staff(forward)
            if member is not None:
                try:
                    await self.runtime.notifier.notify(member, staff_text)
                except Exception:
                    logger.exception("live contact: notifying %s failed", member.username)
        logger.info("live contact: message relayed for %s", live.reference)
        return True


def register_outbox(directory, outbox: Outbox, channels: Optional[List[str]] = None) -> None:
    for name in channels or ["webchat", "rest"]:
        directory.register_sender(name, outbox.send)


__all__ = ["Outbox", "LiveContact", "register_outbox"]
