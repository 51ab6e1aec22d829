"""The WhatsApp channel on the WhatsApp Cloud API (Graph API webhooks).

`GET  /webhooks/whatsapp/webhook`  subscription check: answers `hub.challenge` only
                                   when `hub.verify_token` equals WHATSAPP_VERIFY_TOKEN.
`POST /webhooks/whatsapp/webhook`  accepted only with a valid `X-Hub-Signature-256`;
                                   otherwise 403.

Every message id is processed once (`DedupStore`), however often it is delivered;
a resident's message goes through the resident-turn pipeline
(bot/channels/pipeline.py); replies are built by `format.py` and posted by
`client.py`.

24-hour window: a free-form message can only be sent within 24 hours of the
resident's last message. `WhatsAppInput.send_from_opbouwwerker(resident, text)`
sends free-form inside the window and the configured template
(WHATSAPP_TEMPLATE_NAME / WHATSAPP_TEMPLATE_LANGUAGE, one body parameter) outside.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from cachetools import TTLCache
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import catalogue
from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.live import LiveContact, Outbox
from bot.channels.output import MessageOutputChannel
from bot.channels.pipeline import Incoming, ResidentPipeline
from bot.channels.stores import (
    DedupStore,
    MemoryDedupStore,
    ResidentAddress,
    ResidentDirectory,
    default_directory,
    make_dedup_store,
)
from bot.channels.whatsapp.client import (
    ERROR_OUTSIDE_WINDOW,
    GraphClient,
    SendResult,
    window_open,
)
from bot.channels.whatsapp.format import MORE_PAYLOAD, Paged, build_messages, template_message, text_message
from bot.channels.whatsapp.parse import (
    SIGNATURE_HEADER,
    WhatsAppEvent,
    dicts,
    parse_webhook,
    verify_signature,
    verify_subscription,
)
from bot.handoff.models import DELIVERED, FAILED, WAITING
from ontmoet_core.config import Settings, load_settings

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MAX_BODY_BYTES = 3 * 1024 * 1024


class WhatsAppOutput(MessageOutputChannel):
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, channel: "WhatsAppInput", wa_id: Optional[str] = None,
                 pseudonym: Optional[str] = None, language: str = "nl") -> None:
        self.channel = channel
        self.wa_id = wa_id
        self.pseudonym = pseudonym
        self.language = language
        self.sent = 0  # messages sent (0 after a turn: the assistant said nothing)

    async def _address(self, recipient_id: Text) -> Optional[str]:
        if self.wa_id is not None and (self.pseudonym is None or recipient_id == self.pseudonym):
            return self.wa_id
        address = await self.channel.directory.lookup(recipient_id)
        if address is None or address.channel != CHANNEL:
            return None
        return address.address

    async def deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        wa_id = await self._address(recipient_id)
        if wa_id is None:
            logger.warning("whatsapp: no address for %s", recipient_id)
            return
        results = await self.channel.send_bot_message(recipient_id, wa_id, message, self.language)
        self.sent += len(results)


class _WhatsAppReply:
    """The pipeline's way to answer one resident on WhatsApp."""

    def __init__(self, channel: "WhatsAppInput", wa_id: str) -> None:
        self.channel = channel
        self.wa_id = wa_id

    async def say(self, text: str) -> None:
        await self.channel._send_plain(self.wa_id, text)

    def output(self, pseudonym: str, language: str) -> OutputChannel:
        return WhatsAppOutput(self.channel, self.wa_id, pseudonym, language)

    async def handled_by_channel(self, pseudonym: str, text: str) -> bool:
        """The "meer" row of a long list: the next page, or "expired"."""
        if text != MORE_PAYLOAD:
            return False
        if not await self.channel.show_more(pseudonym, self.wa_id):
            await self.say(catalogue.text("channel_button_expired"))
        return True


# ---------------------------------------------------------------------------
# Input channel
# ---------------------------------------------------------------------------
class WhatsAppInput(InputChannel):
    """WhatsApp Cloud API webhook on Rasa's Sanic server."""

    def __init__(
        self,
        settings: Optional[Settings] = None,
        registry: Optional[ButtonRegistry] = None,
        *,
        client: Optional[GraphClient] = None,
        directory: Optional[ResidentDirectory] = None,
        dedup: Optional[DedupStore] = None,
        clock: Callable[[], float] = time.time,
        runtime: Any = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.registry = registry or ButtonRegistry()
        self.directory = directory or default_directory()
        self.dedup = dedup or MemoryDedupStore()
        self.client = client or GraphClient(
            self.settings.whatsapp_graph_url,
            self.settings.whatsapp_phone_number_id,
            self.settings.whatsapp_token,
        )
        self._clock = clock
        # bot.handoff.runtime.HandoffRuntime for live contact; from app.ctx.handoff
        # at server start when not given.
        self.runtime = runtime
        self._app = None
        self.rate_limiter = SenderRateLimiter(self.settings.rate_limit_per_minute)
        self.pipeline = ResidentPipeline(self, clock=clock)
        # the rest of a long list per resident: as long as its buttons live, for at most 10,000
        self._pages: "TTLCache[str, Paged]" = TTLCache(10_000, self.registry.ttl_seconds, timer=clock)
        # opbouwwerkers' messages outside the 24-hour window with no template
        # configured: sent when the resident writes again (the window reopens)
        self.held = Outbox()
        self.directory.register_sender(CHANNEL, self._send_to_address)
        self.directory.register_reminder_sender(CHANNEL, self.send_reminder)

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    @classmethod
    def from_settings(cls, settings: Settings, registry: Optional[ButtonRegistry] = None,
                      **kwargs: Any) -> "WhatsAppInput":
        kwargs.setdefault("dedup", make_dedup_store(settings.redis_url))
        return cls(settings, registry, **kwargs)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WhatsAppOutput(self)

    def _pseudonym(self, wa_id: str) -> str:
        return self.pipeline.pseudonym(wa_id)

    @property
    def live(self) -> Optional[LiveContact]:
        """The channel layer's live contact and silence guard (with a handoff runtime)."""
        return LiveContact(self.runtime) if self.runtime is not None else None

    async def show_more(self, pseudonym: str, wa_id: str) -> bool:
        """The choices behind a "meer" row; False when none are waiting (expired)."""
        paged = self._pages.pop(pseudonym, None)
        if paged is None:
            return False
        await self.send_bot_message(pseudonym, wa_id, {"text": paged.body, "buttons": paged.buttons})
        return True

    def forget_resident(self, pseudonym: str) -> None:
        """Per-resident state of this channel ("verwijder mijn gegevens"):
        the rest of a long answer (pages) and the rate-limit counter."""
        self._pages.pop(pseudonym, None)
        self.held.forget(pseudonym)
        self.rate_limiter.forget(pseudonym)

    # --- sending ---------------------------------------------------------
    async def send_bot_message(self, pseudonym: str, wa_id: str, message: Dict[str, Any],
                               language: str = "nl") -> List[SendResult]:
        messages, paged = build_messages(message, self.registry, pseudonym, language)
        if paged is not None:
            self._pages[pseudonym] = paged
        results = []
        for item in messages:
            result = await self.client.send(wa_id, item)
            results.append(result)
            if not result.ok:
                break  # keep the order: do not send later parts after a failure
        return results

    async def send_from_opbouwwerker(self, resident: str, text: str) -> SendResult:
        """Send an opbouwwerker's text to the resident behind pseudonym `resident`.

        Free-form inside the 24-hour window; outside it (or when WhatsApp says
        the window closed, error 131047) the configured template."""
        address = await self.directory.lookup(resident)
        if address is None or address.channel != CHANNEL:
            return SendResult(False)
        return await self._send_to_address(resident, address, text, as_result=True)

    async def _send_to_address(self, pseudonym: str, address: ResidentAddress, text: str,
                               as_result: bool = False, receipt=None):
        """A ResidentDirectory sender: True (sent), False (failed), or, outside
        the window with no template configured, WAITING (held until the resident
        writes again; `receipt()` is called when it goes out)."""
        result = SendResult(False)
        in_window = window_open(address.last_inbound, self._clock())
        if not in_window and not self.settings.whatsapp_template_name and not as_result:
            self.held.put(pseudonym, text, receipt)
            return WAITING
        if in_window:
            for item in text_message(text):
                result = await self.client.send(address.address, item)
                if not result.ok:
                    break
            if result.ok or result.error_code != ERROR_OUTSIDE_WINDOW:
                return result if as_result else result.ok
        result = await self.client.send(
            address.address,
            template_message(
                self.settings.whatsapp_template_name,
                self.settings.whatsapp_template_language,
                text,
            ),
        )
        return result if as_result else result.ok

    async def send_reminder(self, pseudonym: str, address: ResidentAddress, text: str) -> str:
        """A reminder (bot/reminders/): a normal text inside the 24-hour window;
        outside it (or when WhatsApp says the window closed) the reminder
        template (WHATSAPP_REMINDER_TEMPLATE_NAME, the text as its one body
        parameter). Without that template it is not sent: "no_template"."""
        from bot.reminders.models import NO_TEMPLATE

        if window_open(address.last_inbound, self._clock()):
            result = SendResult(False)
            for item in text_message(text):
                result = await self.client.send(address.address, item)
                if not result.ok:
                    break
            if result.ok or result.error_code != ERROR_OUTSIDE_WINDOW:
                return DELIVERED if result.ok else FAILED
        name = self.settings.whatsapp_reminder_template_name
        if not name:
            return NO_TEMPLATE
        result = await self.client.send(address.address, template_message(
            name, self.settings.whatsapp_reminder_template_language, text))
        return DELIVERED if result.ok else FAILED

    # --- receiving -------------------------------------------------------
    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        raw_body: bytes,
        signature: Optional[str],
    ) -> Tuple[int, Any]:
        """Check the signature, then process every message once: (status, body)."""
        if not verify_signature(raw_body, signature, self.settings.whatsapp_app_secret):
            logger.warning("whatsapp: webhook request with a missing or invalid signature")
            return 403, {"error": "forbidden"}
        if len(raw_body) > MAX_BODY_BYTES:
            return 413, {"error": "too large"}
        try:
            body = json.loads(raw_body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, {"error": "malformed json"}
        parsed = parse_webhook(body, self.settings.whatsapp_phone_number_id)
        for status in parsed.statuses:
            if status.get("status") == "failed":
                codes = [e.get("code") for e in dicts(status.get("errors"))]
                logger.warning("whatsapp: a message was not delivered (codes %s)", codes)
        outcomes = []
        for event in parsed.events:
            outcomes.append(await self.handle_event(on_new_message, event))
        return 200, {"ok": True, "processed": outcomes}

    async def handle_event(self, on_new_message, event: WhatsAppEvent) -> str:
        """"duplicate", "ignored", "replied", "more", "processed" or "failed"."""
        if event.kind == "ignore" or not event.wa_id:
            return "ignored"
        if not await self.dedup.first_seen(f"wa:{event.message_id}"):
            return "duplicate"
        try:
            return await self._handle(on_new_message, event)
        except Exception:
            logger.exception("whatsapp: message %s failed", event.message_id[-8:])
            return "failed"

    async def _handle(self, on_new_message, event: WhatsAppEvent) -> str:
        incoming = Incoming(
            event.wa_id, kind=event.kind, text=event.text, latitude=event.latitude,
            longitude=event.longitude, reply_key=event.reply_key, address=event.wa_id,
            received_at=event.timestamp)
        for held in self.held.take(self._pseudonym(event.wa_id)):  # the window is open again
            await self._send_plain(event.wa_id, held)
        outcome = await self.pipeline.handle(incoming, _WhatsAppReply(self, event.wa_id), on_new_message)
        return {"limited": "replied", "channel": "more"}.get(outcome, outcome)

    async def _send_plain(self, wa_id: str, text: str) -> None:
        for item in text_message(text):
            await self.client.send(wa_id, item)

    # --- web layer -------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"ontmoet_{CHANNEL}_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            challenge = verify_subscription(request.args, self.settings.whatsapp_verify_token)
            if challenge is None:
                return response.text("forbidden", status=403)
            return response.text(challenge)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self._app is None:
                self.attach(request.app)
            status, body = await self.handle(
                on_new_message, request.body or b"", request.headers.get(SIGNATURE_HEADER)
            )
            return response.json(body, status=status)

        return bp

    def attach(self, app) -> None:
        """Use the service's app: its agent and handoff runtime (app.ctx.handoff)."""
        self._app = app
        if self.runtime is None:
            self.runtime = getattr(getattr(app, "ctx", None), "handoff", None)

    async def on_server_start(self, app=None, loop=None) -> None:
        if app is not None:
            self.attach(app)

    async def on_server_stop(self, app=None, loop=None) -> None:
        await self.client.close()
