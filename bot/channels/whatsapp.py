"""WhatsApp channel on the WhatsApp Cloud API (Graph API webhooks).

`GET  /webhooks/whatsapp/webhook`  subscription check: answers `hub.challenge` only
                                   when `hub.verify_token` equals WHATSAPP_VERIFY_TOKEN.
`POST /webhooks/whatsapp/webhook`  accepted only with a valid `X-Hub-Signature-256`
                                   (HMAC-SHA256 of the raw body with WHATSAPP_APP_SECRET,
                                   compared in constant time); otherwise 403.

Incoming: text, interactive button_reply / list_reply (opaque tokens from the
ButtonRegistry), template quick-reply buttons, and locations (->
`/inform_location{"lat", "lon"}`). Status callbacks never reach the NLU. Media,
stickers, contacts ... get a short kind answer; reactions and system messages are
ignored. Every message id is processed once (`DedupStore`), however often it is
delivered.

Outgoing: one formatter (`build_messages`) chooses text, reply buttons (at most 3,
titles at most 20 characters), a list message (at most 10 rows, titles at most 24,
more choices paged behind a "meer" row) or a location request, from Rasa's
buttons. `GraphClient` posts them with httpx, retrying 429 / 5xx with exponential
back-off and keeping the pair rate limit (one resident, one business number).

24-hour window: a free-form message can only be sent within 24 hours of the
resident's last message. `WhatsAppInput.send_from_opbouwwerker(resident, text)`
sends free-form inside the window and the configured template
(WHATSAPP_TEMPLATE_NAME / WHATSAPP_TEMPLATE_LANGUAGE, one body parameter) outside.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Text, Tuple

import httpx
from cachetools import TTLCache
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import catalogue
from bot.channels.action_failures import watching_actions
from bot.channels.common import (
    LOCATION_REQUEST_PAYLOAD,
    ButtonRegistry,
    SenderRateLimiter,
    incoming_text,
    location_payload,
    parse_venue,
    pseudonymise,
    split_text,
)
from bot.channels.output import MessageOutputChannel
from bot.channels.stores import (
    DedupStore,
    Gcra,
    MemoryDedupStore,
    ResidentAddress,
    ResidentDirectory,
    default_directory,
    make_dedup_store,
)
from ontmoet_core.config import Settings, load_settings

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 3 * 1024 * 1024
# Documented platform limits (shared/facts/sourced-facts.md, "Platforms").
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_INTERACTIVE_BODY = 1024
MAX_TEXT_BODY = 4096
MAX_TEMPLATE_PARAMETER = 1024
WINDOW_SECONDS = 24 * 3600
WINDOW_MARGIN_SECONDS = 5 * 60  # do not try a free-form send in the last minutes
MORE_PAYLOAD = "__meer__"  # payload of the "meer" row; handled by the channel itself
# Graph error codes worth retrying (rate limits, temporary errors).
RETRY_ERROR_CODES = {4, 80007, 130429, 131000, 131016, 131056, 133004}
ERROR_OUTSIDE_WINDOW = 131047
_UNSUPPORTED = {
    "audio": "channel_unsupported_voice",
    "voice": "channel_unsupported_voice",
    "sticker": "channel_unsupported_sticker",
    "image": "channel_unsupported_photo",
    "video": "channel_unsupported_video",
    "document": "channel_unsupported_document",
}
_IGNORED_TYPES = {"reaction", "system", "ephemeral", "request_welcome"}


# ---------------------------------------------------------------------------
# Pure: verification
# ---------------------------------------------------------------------------
def verify_subscription(params: Mapping[str, Any], verify_token: str) -> Optional[str]:
    """The `hub.challenge` to echo, only when mode and verify token match."""

    def first(key: str) -> str:
        value = params.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        return value if isinstance(value, str) else ""

    if not verify_token or first("hub.mode") != "subscribe":
        return None
    token = first("hub.verify_token")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    challenge = first("hub.challenge")
    return challenge if challenge and len(challenge) <= 256 else None


def signature_for(raw_body: bytes, app_secret: str) -> str:
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(raw_body: bytes, header: Optional[str], app_secret: str) -> bool:
    """True only for `sha256=<hex HMAC-SHA256 of the raw body>` under the app secret."""
    if not app_secret or not isinstance(header, str):
        return False
    expected = signature_for(raw_body, app_secret)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


# ---------------------------------------------------------------------------
# Pure: incoming
# ---------------------------------------------------------------------------
@dataclass
class WhatsAppEvent:
    """One inbound message. kind: "text", "button" (token in `text`),
    "location", "reply" (answer with `reply_key`) or "ignore"."""

    kind: str
    message_id: str = ""
    wa_id: str = ""
    timestamp: Optional[float] = None
    text: str = ""
    reply_key: str = ""
    latitude: Optional[float] = None
    longitude: Optional[float] = None


@dataclass
class ParsedWebhook:
    events: List[WhatsAppEvent] = field(default_factory=list)
    statuses: List[Dict[str, Any]] = field(default_factory=list)


def parse_webhook(body: Any, phone_number_id: str = "") -> ParsedWebhook:
    """Messages and statuses from a webhook body. Never raises.

    When `phone_number_id` is set, changes for other numbers are skipped."""
    parsed = ParsedWebhook()
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        return parsed
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            if change.get("field") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            metadata: Dict[str, Any] = value["metadata"] if isinstance(value.get("metadata"), dict) else {}
            if phone_number_id and str(metadata.get("phone_number_id", "")) != phone_number_id:
                continue
            parsed.statuses.extend(_dicts(value.get("statuses")))
            for message in _dicts(value.get("messages")):
                parsed.events.append(_event(message))
    return parsed


def _dicts(value: Any) -> List[Dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _event(message: Dict[str, Any]) -> WhatsAppEvent:
    wa_id = message.get("from")
    message_id = message.get("id")
    if not isinstance(wa_id, str) or not wa_id or not isinstance(message_id, str) or not message_id:
        return WhatsAppEvent("ignore")
    try:
        stamp: Optional[float] = float(message["timestamp"])
    except (KeyError, TypeError, ValueError):
        stamp = None
    base: Dict[str, Any] = dict(message_id=message_id, wa_id=wa_id, timestamp=stamp)
    kind = message.get("type")
    content = message.get(kind) if isinstance(kind, str) else None
    content = content if isinstance(content, dict) else {}
    if kind == "text":
        return WhatsAppEvent("text", text=str(content.get("body", "")), **base)
    if kind == "interactive":
        reply = content.get(content.get("type")) if isinstance(content.get("type"), str) else None
        if content.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
            return WhatsAppEvent("button", text=str(reply.get("id", "")), **base)
        return WhatsAppEvent("reply", reply_key="channel_unsupported_other", **base)
    if kind == "button":  # quick-reply button of a template message
        return WhatsAppEvent("text", text=str(content.get("text", "")), **base)
    if kind == "location":
        if location_payload(content.get("latitude"), content.get("longitude")) is None:
            return WhatsAppEvent("reply", reply_key="channel_unsupported_other", **base)
        return WhatsAppEvent(
            "location",
            latitude=float(content["latitude"]),
            longitude=float(content["longitude"]),
            **base,
        )
    if kind in _IGNORED_TYPES:
        return WhatsAppEvent("ignore", **base)
    if kind in _UNSUPPORTED:
        return WhatsAppEvent("reply", reply_key=_UNSUPPORTED[kind], **base)
    return WhatsAppEvent("reply", reply_key="channel_unsupported_other", **base)


# ---------------------------------------------------------------------------
# Pure: outgoing
# ---------------------------------------------------------------------------
def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_message(text: str) -> List[Dict[str, Any]]:
    return [
        {"type": "text", "text": {"preview_url": False, "body": part}}
        for part in split_text(text, MAX_TEXT_BODY)
    ]


def interactive_for(
    body: str,
    choices: Sequence[Tuple[str, str]],
    language: str = "nl",
    more_token: Optional[str] = None,
) -> Dict[str, Any]:
    """The interactive message for (title, id) choices: reply buttons when there
    are at most 3 with unique titles of at most 20 characters, else a list
    (at most 10 rows; `more_token` adds a "meer" row after the first 9)."""
    body = body.strip() or catalogue.text("channel_choose", language)
    body = _shorten(body, MAX_INTERACTIVE_BODY) if len(body) > MAX_INTERACTIVE_BODY else body
    titles = [title for title, _ in choices]
    if (
        more_token is None
        and len(choices) <= MAX_REPLY_BUTTONS
        and all(0 < len(t) <= MAX_BUTTON_TITLE for t in titles)
        and len({t.casefold() for t in titles}) == len(titles)
    ):
        return {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": body},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": token, "title": title}}
                        for title, token in choices
                    ]
                },
            },
        }
    rows = []
    for title, token in list(choices)[: MAX_LIST_ROWS - (1 if more_token else 0)]:
        row: Dict[str, Any] = {"id": token, "title": _shorten(title, MAX_ROW_TITLE)}
        if len(" ".join(title.split())) > MAX_ROW_TITLE:
            row["description"] = _shorten(title, MAX_ROW_DESCRIPTION)
        rows.append(row)
    if more_token:
        rows.append(
            {"id": more_token, "title": _shorten(catalogue.text("channel_more", language), MAX_ROW_TITLE)}
        )
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": _shorten(catalogue.text("channel_list_button", language), MAX_BUTTON_TITLE),
                "sections": [{"rows": rows}],
            },
        },
    }


def location_request(body: str, language: str = "nl") -> Dict[str, Any]:
    body = body.strip() or catalogue.text("channel_share_location", language)
    return {
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": _shorten(body, MAX_INTERACTIVE_BODY)},
            "action": {"name": "send_location"},
        },
    }


def template_message(name: str, language: str, text: str) -> Dict[str, Any]:
    """An approved template with the opbouwwerker's text as its one body parameter.

    Template parameters may not contain new lines, tabs or more than four spaces
    in a row; they are flattened and shortened."""
    flat = re.sub(r"\s+", " ", text).strip()
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [
                    {"type": "text", "text": _shorten(flat, MAX_TEMPLATE_PARAMETER)}
                ]}
            ],
        },
    }


def venue_messages(venue, language: str = "nl") -> List[Dict[str, Any]]:
    name = venue.name
    if venue.demo:
        name = f"{name} {catalogue.text('channel_demo_marker', language)}"
    if venue.has_pin:
        location: Dict[str, Any] = {
            "latitude": venue.latitude, "longitude": venue.longitude, "name": name,
        }
        if venue.address:
            location["address"] = venue.address
        return [{"type": "location", "location": location}]
    return text_message(name if not venue.address else f"{name}\n{venue.address}")


@dataclass
class Paged:
    """Choices that did not fit in a list message, shown after "meer"."""

    body: str
    buttons: List[Dict[str, Any]]


def build_messages(
    message: Dict[str, Any],
    registry: ButtonRegistry,
    sender: str,
    language: str = "nl",
) -> Tuple[List[Dict[str, Any]], Optional[Paged]]:
    """Graph message objects (without `to`) for one Rasa bot message, plus the
    choices left for a "meer" page."""
    out: List[Dict[str, Any]] = []
    paged: Optional[Paged] = None
    text: str = message["text"] if isinstance(message.get("text"), str) else ""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    buttons = [
        b for b in (buttons if isinstance(buttons, list) else [])
        if isinstance(b, dict) and str(b.get("title", "")).strip()
    ]
    location_buttons = [b for b in buttons if str(b.get("payload", "")).strip() == LOCATION_REQUEST_PAYLOAD]
    choices = [b for b in buttons if b not in location_buttons]

    if not buttons:
        if text.strip():
            out.extend(text_message(text))
    else:
        body = text
        if len(text.strip()) > MAX_INTERACTIVE_BODY:
            out.extend(text_message(text))
            body = ""
        if location_buttons:
            out.append(location_request(body, language))
            body = catalogue.text("channel_choose", language) if choices else ""
        if choices:
            interactive, paged = _choices(body, choices, registry, sender, language)
            out.append(interactive)

    image = message.get("image")
    if isinstance(image, str) and image.startswith("https://"):
        out.append({"type": "image", "image": {"link": image}})
    custom = message.get("custom")
    venue = parse_venue(custom)
    if venue is not None:
        out.extend(venue_messages(venue, language))
    elif isinstance(custom, dict) and isinstance(custom.get("text"), str):
        out.extend(text_message(custom["text"]))
    return out, paged


def _choices(body, choices, registry, sender, language):
    paged = None
    shown = choices
    if len(choices) > MAX_LIST_ROWS:
        shown, rest = choices[: MAX_LIST_ROWS - 1], choices[MAX_LIST_ROWS - 1:]
        paged = Paged(body=catalogue.text("channel_choose", language), buttons=rest)
    offered = registry.offer(sender, shown)
    more_token = None
    if paged is not None:
        more_token = registry.offer(sender, [{"title": "meer", "payload": MORE_PAYLOAD}])[0].token
    interactive = interactive_for(
        body, [(item.title, item.token) for item in offered], language, more_token
    )
    return interactive, paged


def window_open(last_inbound: Optional[float], now: float) -> bool:
    """Within WhatsApp's 24-hour customer service window (with a safety margin)."""
    return last_inbound is not None and now - last_inbound < WINDOW_SECONDS - WINDOW_MARGIN_SECONDS


# ---------------------------------------------------------------------------
# Graph API client
# ---------------------------------------------------------------------------
@dataclass
class SendResult:
    ok: bool
    status: int = 0
    message_id: str = ""
    error_code: Optional[int] = None
    attempts: int = 0


class GraphClient:
    """POST {graph_url}/{phone_number_id}/messages with retry, back-off and the
    pair rate limit (per recipient: bursts of `pair_burst`, then one per
    `pair_period` seconds)."""

    def __init__(
        self,
        graph_url: str,
        phone_number_id: str,
        token: str,
        *,
        http: Optional[httpx.AsyncClient] = None,
        max_retries: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        pair_period: float = 6.0,
        pair_burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.url = f"{graph_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token
        self._http = http
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._pair = Gcra(pair_period, pair_burst, clock)
        self._sleep = sleep

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    def _backoff(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return min(self.max_delay, retry_after)
        delay = min(self.max_delay, self.base_delay * (2 ** attempt))
        return delay * (0.8 + 0.4 * random.random())  # jitter

    async def send(self, to: str, message: Dict[str, Any]) -> SendResult:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        await self._wait(self._pair.reserve(to))
        attempt = 0
        while True:
            status, code, body, retry_after = 0, None, {}, None
            try:
                reply = await self._client().post(
                    self.url, json=payload, headers={"Authorization": f"Bearer {self.token}"}
                )
                status = reply.status_code
                try:
                    body = reply.json()
                except ValueError:
                    body = {}
                header = reply.headers.get("Retry-After")
                if header and header.isdigit():
                    retry_after = float(header)
            except httpx.HTTPError as exc:
                logger.info("whatsapp: send failed (%s)", type(exc).__name__)
                status = 0
            if 200 <= status < 300:
                ids = body.get("messages") if isinstance(body, dict) else None
                message_id = (
                    ids[0].get("id", "") if isinstance(ids, list) and ids and isinstance(ids[0], dict) else ""
                )
                return SendResult(True, status, message_id, attempts=attempt + 1)
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and isinstance(error.get("code"), int):
                code = error["code"]
            retryable = status == 0 or status == 429 or status >= 500 or code in RETRY_ERROR_CODES
            if not retryable or attempt >= self.max_retries:
                logger.warning("whatsapp: send failed with HTTP %s, code %s", status, code)
                return SendResult(False, status, error_code=code, attempts=attempt + 1)
            await self._wait(self._backoff(attempt, retry_after))
            attempt += 1


# ---------------------------------------------------------------------------
# Output channel
# ---------------------------------------------------------------------------
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
        self._key: Optional[bytes] = None
        # the rest of a long list per resident: as long as its buttons live, for at most 10,000
        self._pages: "TTLCache[str, Paged]" = TTLCache(10_000, self.registry.ttl_seconds, timer=clock)
        self.directory.register_sender(CHANNEL, self._send_to_address)

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
        if self._key is None:
            self._key = self.settings.pseudonym_key_bytes()
        return pseudonymise(CHANNEL, wa_id, self._key)

    def forget_resident(self, pseudonym: str) -> None:
        """Per-resident state of this channel ("verwijder mijn gegevens"):
        the rest of a long answer (pages) and the rate-limit counter."""
        self._pages.pop(pseudonym, None)
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
                               as_result: bool = False):
        result = SendResult(False)
        if window_open(address.last_inbound, self._clock()):
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
                codes = [e.get("code") for e in _dicts(status.get("errors"))]
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
        pseudonym = self._pseudonym(event.wa_id)
        now = self._clock()
        inbound = min(event.timestamp, now) if event.timestamp else now
        await self.directory.remember(pseudonym, ResidentAddress(CHANNEL, event.wa_id, inbound))
        if event.kind == "reply":
            await self._say(event.wa_id, event.reply_key)
            return "replied"
        if event.kind == "location":
            text = location_payload(event.latitude, event.longitude) or ""
        elif event.kind == "button":
            resolved = self.registry.resolve(pseudonym, event.text)
            if resolved is None:
                await self._say(event.wa_id, "channel_button_expired")
                return "replied"
            text = resolved
            if text == MORE_PAYLOAD:
                paged = self._pages.pop(pseudonym, None)
                if paged is None:
                    await self._say(event.wa_id, "channel_button_expired")
                    return "replied"
                await self.send_bot_message(pseudonym, event.wa_id,
                                            {"text": paged.body, "buttons": paged.buttons})
                return "more"
        else:
            text = incoming_text(self.registry, pseudonym, event.text, self.settings.max_message_chars)
        if not text:
            await self._say(event.wa_id, "empty_message")
            return "replied"
        if not self.rate_limiter.allow(pseudonym):
            logger.info("whatsapp: rate limit reached for %s", pseudonym)
            await self._say(event.wa_id, "slow_down")
            return "replied"
        live = None
        if self.runtime is not None:
            from bot.channels.live import LiveContact

            live = LiveContact(self.runtime)
            screened = await live.screen(pseudonym, text)
            for reply in screened.replies:  # the crisis reply, at once
                await self._send_plain(event.wa_id, reply)
            if screened.handled:
                return "live"
        output = WhatsAppOutput(self, event.wa_id, pseudonym)
        failed: List[str] = []

        async def run() -> bool:
            with watching_actions() as failed_now:
                await on_new_message(
                    UserMessage(text, output, pseudonym, input_channel=CHANNEL,
                                metadata={"language": "nl"})
                )
                failed.extend(failed_now)
            return not failed_now and output.sent > 0

        try:
            answered = await run()
            if not answered and not failed and live is not None:
                # Silence: a conversation left paused is resumed and run again.
                for reply in await live.after_silence(pseudonym, text, "nl", run):
                    await self._send_plain(event.wa_id, reply)
                return "processed"
        except Exception:
            logger.exception("whatsapp: message handling failed for %s", pseudonym)
            await self._say(event.wa_id, "technical_problem")
            return "failed"
        if failed or output.sent == 0:
            # An action failed or timed out: never leave the resident in silence.
            logger.warning("whatsapp: no reply produced for %s", pseudonym)
            await self._say(event.wa_id, "technical_problem")
        return "processed"

    async def _say(self, wa_id: str, key: str) -> None:
        await self._send_plain(wa_id, catalogue.text(key))

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
