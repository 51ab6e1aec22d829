"""One resident turn, the same on every channel (web chat, REST, Telegram, WhatsApp).

A channel parses its platform's wire format into an `Incoming`, gives the
pipeline a `Reply` (how to answer this one resident on this platform) and
formats and sends what comes back. Everything in between happens here, in this
order:

1. pseudonym: the platform's sender id becomes a keyed hash (`pseudonymise`);
2. address: where to write back later (an opbouwwerker's answer, WhatsApp's
   24-hour window) is remembered in the `ResidentDirectory`;
3. text: a button token, a shared location or typed text becomes the NLU's
   text; typed Rasa syntax (`/intent{...}`) is neutralised (`incoming_text`);
4. rate limit: too many messages get the catalogue's `slow_down`, before the NLU;
5. live contact and crisis check: while an opbouwwerker is live with the
   resident the message goes to them and the assistant stays quiet; a crisis
   message gets the helplines at once, in live contact too (`LiveContact`);
   outside live chat, an answer to an opbouwwerker's message (or, for a while
   after a close, a message about the request) goes to them instead of to the
   assistant (`LiveContact.screen_answer`, bot/channels/in_context.py);
6. processing under the action watch (`watching_actions`);
7. guard against silence: a conversation left paused is resumed and the message
   run again; a crisis message then still gets the helplines; when nothing was
   produced or an action failed, the catalogue's `technical_problem`, never a
   stack trace;
8. erase marker: after "verwijder mijn gegevens" the service forgets the
   resident (`default_eraser().erase`);
9. language: the platform's hint (`Incoming.language`, else Dutch) is used for
   every text the pipeline says and passed to Rasa as metadata `language`.

Outcomes (for tests and metrics): "replied" (the pipeline answered itself: an
empty message, an expired button, an unsupported message), "limited",
"channel" (the channel handled it itself), "live", "processed", "failed".
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot import catalogue
from bot.channels.action_failures import watching_actions
from bot.channels.common import (
    ButtonRegistry,
    SenderRateLimiter,
    incoming_text,
    location_payload,
    pseudonymise,
)
from bot.channels.erasure import default_eraser
from bot.channels.live import LiveContact
from bot.channels.stores import ResidentAddress, ResidentDirectory

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Incoming:
    """One resident message as the channel parsed it from the platform.

    kind: "text" (typed text, a REST message, or a web chat button token),
    "button" (a token of a platform button), "location", or "reply" (nothing
    for the NLU: answer with the catalogue's `reply_key`, e.g. a voice message).
    """

    sender: str  # the platform's sender id: pseudonymised at once, never logged
    kind: str = "text"
    text: Any = ""
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    reply_key: str = ""
    address: str = ""  # where to write back (chat id, wa_id); "" means the pseudonym
    received_at: Optional[float] = None  # platform time of the message (epoch seconds)
    language: Optional[str] = None  # what the platform says about the resident's language
    metadata: Optional[Dict[str, Any]] = None  # the client's metadata (REST)


class TurnOutput(Protocol):
    """The output channel Rasa answers on during one turn."""

    sent: int  # bot messages produced for the resident (0: the assistant said nothing)
    erase_requested: bool  # the erase marker went by


class Reply(Protocol):
    """A channel's way to answer one resident during one turn."""

    async def say(self, text: str) -> None:
        """Send a text of the service itself (catalogue, helplines) now."""

    def output(self, pseudonym: str, language: str) -> OutputChannel:
        """The output channel (also a TurnOutput) for Rasa's replies."""

    async def handled_by_channel(self, pseudonym: str, text: str) -> bool:
        """True when the channel answers this NLU text itself (WhatsApp's "meer" page)."""


class ChannelState(Protocol):
    """What the pipeline reads from its channel at every turn (tests and the
    service may swap a part, e.g. the handoff runtime once the server starts)."""

    settings: Any  # ontmoet_core.config.Settings
    registry: ButtonRegistry
    rate_limiter: SenderRateLimiter
    directory: Optional[ResidentDirectory]

    @classmethod
    def name(cls) -> str: ...

    @property
    def live(self) -> Optional[LiveContact]:
        """The handoff's part (bot/channels/live.py), when the handoff queue runs."""


class ResidentPipeline:
    """The resident-turn steps one channel shares with all the others."""

    def __init__(self, channel: ChannelState, resolve_titles: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.channel = channel
        # Telegram's reply keyboards send a button's title as text
        self.resolve_titles = resolve_titles
        self.clock = clock
        self._key: Optional[Tuple[Any, bytes]] = None  # (settings, pseudonym key)

    @property
    def name(self) -> str:
        return self.channel.name()

    def pseudonym(self, sender: str) -> str:
        settings = self.channel.settings
        if self._key is None or self._key[0] is not settings:
            self._key = (settings, settings.pseudonym_key_bytes())
        return pseudonymise(self.name, str(sender), self._key[1])

    async def handle(self, incoming: Incoming, reply: Reply, on_new_message: OnNewMessage) -> str:
        language = incoming.language or "nl"
        pseudonym = self.pseudonym(incoming.sender)
        await self._remember(pseudonym, incoming, language)
        if incoming.kind == "reply":
            await reply.say(catalogue.text(incoming.reply_key, language))
            return "replied"
        text = self._nlu_text(incoming, pseudonym)
        if text is None:
            await reply.say(catalogue.text("channel_button_expired", language))
            return "replied"
        if not text:
            await reply.say(catalogue.text("empty_message", language))
            return "replied"
        if await reply.handled_by_channel(pseudonym, text):
            return "channel"
        if not self.channel.rate_limiter.allow(pseudonym):
            logger.info("%s: rate limit reached for %s", self.name, pseudonym)
            await reply.say(catalogue.text("slow_down", language))
            return "limited"
        live = self.channel.live
        if live is not None:
            screened = await live.screen(pseudonym, text, language)
            for said in screened.replies:  # the crisis reply, or "passed on"
                await reply.say(said)
            if screened.handled:  # it went to the opbouwwerker: the assistant is quiet
                return "live"
        return await self._process(pseudonym, text, language, incoming, reply, on_new_message, live)

    async def _remember(self, pseudonym: str, incoming: Incoming, language: str) -> None:
        directory = self.channel.directory
        if directory is None:
            return
        now = self.clock()
        inbound = min(incoming.received_at, now) if incoming.received_at else now
        await directory.remember(pseudonym, ResidentAddress(
            self.name, incoming.address or pseudonym, inbound, language))

    def _nlu_text(self, incoming: Incoming, pseudonym: str) -> Optional[str]:
        """The NLU's text; None for a platform button that was not offered (expired)."""
        if incoming.kind == "location":
            return location_payload(incoming.latitude, incoming.longitude) or ""
        if incoming.kind == "button":
            return self.channel.registry.resolve(pseudonym, str(incoming.text))
        if self.resolve_titles and isinstance(incoming.text, str) and incoming.text.strip():
            by_title = self.channel.registry.resolve_title(pseudonym, incoming.text)
            if by_title is not None:
                return by_title
        return incoming_text(self.channel.registry, pseudonym, incoming.text,
                             self.channel.settings.max_message_chars)

    async def _process(self, pseudonym: str, text: str, language: str, incoming: Incoming,
                       reply: Reply, on_new_message: OnNewMessage,
                       live: Optional[LiveContact]) -> str:
        output = reply.output(pseudonym, language)
        turn: TurnOutput = output  # type: ignore[assignment]  # every Reply's output is one
        metadata = dict(incoming.metadata or {}, language=language)
        failed: List[str] = []

        async def run() -> bool:
            with watching_actions() as failed_now:
                await on_new_message(UserMessage(
                    text, output, pseudonym, input_channel=self.name, metadata=metadata))
                failed.extend(failed_now)
            return not failed_now and turn.sent > 0

        try:
            answered = await run()
            if not answered and not failed and live is not None:
                # Silence: a conversation left paused is resumed and run again.
                for said in await live.after_silence(pseudonym, text, language, run):
                    await reply.say(said)
                await self._erase_if_asked(pseudonym, turn)
                return "processed"
        except Exception:  # never a stack trace to a resident
            logger.exception("%s: message handling failed for %s", self.name, pseudonym)
            await self._erase_if_asked(pseudonym, turn)
            await reply.say(catalogue.text("technical_problem", language))
            return "failed"
        await self._erase_if_asked(pseudonym, turn)
        if failed or turn.sent == 0:
            # An action failed or timed out: never leave the resident in silence.
            logger.warning("%s: no reply produced for %s", self.name, pseudonym)
            await reply.say(catalogue.text("technical_problem", language))
        return "processed"

    async def _erase_if_asked(self, pseudonym: str, turn: TurnOutput) -> None:
        if turn.erase_requested:
            # "verwijder mijn gegevens" was done: the service forgets this resident
            # too (address, waiting messages, button tokens, counters, pages)
            await default_eraser().erase(pseudonym)
