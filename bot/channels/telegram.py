"""Telegram channel on python-telegram-bot 22 (not Rasa's aiogram channel).

Two ways in, one handler (`TelegramInput.handle_update`):

* webhook (production, `TELEGRAM_WEBHOOK_URL` set): `POST /webhooks/telegram/webhook`;
  a request without the right `X-Telegram-Bot-Api-Secret-Token` header gets 403
  (compared in constant time; no secret configured means every request is refused);
* long polling (local run: `TELEGRAM_BOT_TOKEN` set, no webhook URL): a background
  task on the Sanic server calls getUpdates.

The pure functions (`parse_update`, `format_message`, `split_text`) do no I/O.
Sending goes through PTB's `ExtBot` with `TelegramRateLimiter` (about 1 message a
second per chat with short bursts, 20 a minute per group, 30 a second overall,
`retry_after` honoured).

What a resident sends:
* text -> cleaned text (no `/intent{...}` steering); `/start` -> "hallo";
* an inline button -> the payload of a token offered to that same resident;
* a reply-keyboard button -> resolved by title (`ButtonRegistry.resolve_title`);
* a location -> `/inform_location{"lat": .., "lon": ..}` (rounded, made by us);
* voice, sticker, photo, video, document, other media, edited messages -> a short
  kind answer saying what the assistant can handle; group chats -> "one to one only".
Staff commands (/wachtrij, /oppakken ...) from private chats go to the staff hook.
"""
from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot import catalogue
from bot.channels.action_failures import watching_actions
from bot.channels.common import (
    LOCATION_REQUEST_PAYLOAD,
    ButtonRegistry,
    SenderRateLimiter,
    clean_text,
    location_payload,
    parse_venue,
    pseudonymise,
    split_text,
    utf16_len,
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

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_BODY_BYTES = 1024 * 1024
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
START_TEXT = "hallo"  # what "/start" means to the NLU
# Endpoints that put a message in a chat (counted by Telegram's flood limits).
_LIMITED_ENDPOINTS = ("send", "edit", "copy", "forward")
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Message content keys -> catalogue key of the kind answer.
_UNSUPPORTED = (
    ("voice", "channel_unsupported_voice"),
    ("audio", "channel_unsupported_voice"),
    ("video_note", "channel_unsupported_video"),
    ("sticker", "channel_unsupported_sticker"),
    ("photo", "channel_unsupported_photo"),
    ("video", "channel_unsupported_video"),
    ("animation", "channel_unsupported_video"),
    ("document", "channel_unsupported_document"),
)
# Service messages (someone joined, a title changed ...) are not for us.
_SERVICE_KEYS = {
    "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
    "delete_chat_photo", "group_chat_created", "supergroup_chat_created",
    "channel_chat_created", "migrate_to_chat_id", "migrate_from_chat_id",
    "pinned_message", "message_auto_delete_timer_changed", "forum_topic_created",
    "forum_topic_closed", "forum_topic_reopened", "video_chat_started",
    "video_chat_ended", "write_access_allowed", "users_shared", "chat_shared",
}


# ---------------------------------------------------------------------------
# Pure: incoming updates
# ---------------------------------------------------------------------------
@dataclass
class TelegramEvent:
    """What one update means for us.

    kind: "text" (typed text or a reply-keyboard title), "button" (inline button
    token in `text`), "location", "reply" (answer with catalogue key `reply_key`,
    nothing goes to the NLU) or "ignore".
    """

    kind: str
    update_id: Optional[int] = None
    chat_id: Optional[int] = None
    user_id: Optional[int] = None
    chat_type: str = ""
    text: str = ""
    reply_key: str = ""
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    callback_query_id: Optional[str] = None
    message_id: Optional[int] = None
    language: str = "nl"

    @property
    def private(self) -> bool:
        return self.chat_type == "private"


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value):
        return int(value)
    return None


def _language(user: Any) -> str:
    code = user.get("language_code") if isinstance(user, dict) else None
    return "en" if isinstance(code, str) and code.lower().startswith("en") else "nl"


def parse_update(update: Any) -> TelegramEvent:
    """Interpret one Bot API Update (JSON object). Never raises."""
    if not isinstance(update, dict):
        return TelegramEvent("ignore")
    update_id = _int(update.get("update_id"))

    callback = update.get("callback_query")
    if isinstance(callback, dict):
        user: Dict[str, Any] = callback["from"] if isinstance(callback.get("from"), dict) else {}
        message: Any = callback["message"] if isinstance(callback.get("message"), dict) else {}
        chat: Dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
        data = callback.get("data")
        return TelegramEvent(
            kind="button" if isinstance(data, str) and data else "ignore",
            update_id=update_id,
            chat_id=_int(chat.get("id")) or _int(user.get("id")),
            user_id=_int(user.get("id")),
            chat_type=str(chat.get("type") or "private"),
            text=data if isinstance(data, str) else "",
            callback_query_id=str(callback.get("id")) if callback.get("id") is not None else None,
            message_id=_int(message.get("message_id")),
            language=_language(user),
        )

    edited = update.get("edited_message")
    if isinstance(edited, dict):
        event = _from_message(edited, update_id)
        if event.kind == "ignore":
            return event
        # An edited location is a live-location update: not a new question.
        if isinstance(edited.get("location"), dict):
            return TelegramEvent("ignore", update_id=update_id)
        event.kind, event.reply_key, event.text = "reply", "channel_edited", ""
        return _group_guard(event)

    message = update.get("message")
    if isinstance(message, dict):
        return _group_guard(_from_message(message, update_id))
    # channel_post, my_chat_member, inline_query, poll ...: nothing to answer.
    return TelegramEvent("ignore", update_id=update_id)


def _group_guard(event: TelegramEvent) -> TelegramEvent:
    if event.kind != "ignore" and not event.private:
        event.kind, event.reply_key, event.text = "reply", "channel_group", ""
        event.latitude = event.longitude = None
    return event


def _from_message(message: Dict[str, Any], update_id: Optional[int]) -> TelegramEvent:
    chat: Dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
    user: Dict[str, Any] = message["from"] if isinstance(message.get("from"), dict) else {}
    chat_id = _int(chat.get("id"))
    if chat_id is None:
        return TelegramEvent("ignore", update_id=update_id)
    base: Dict[str, Any] = dict(
        update_id=update_id,
        chat_id=chat_id,
        user_id=_int(user.get("id")),
        chat_type=str(chat.get("type") or ""),
        message_id=_int(message.get("message_id")),
        language=_language(user),
    )
    if user.get("is_bot") is True or any(message.get(key) for key in _SERVICE_KEYS):
        return TelegramEvent("ignore", **base)
    if base["user_id"] is None:  # anonymous group admin, channel sender
        return TelegramEvent("reply", reply_key="channel_group", **base)
    if isinstance(message.get("venue"), dict):
        message = dict(message, location=message["venue"].get("location"))
    if isinstance(message.get("location"), dict):
        loc = message["location"]
        if location_payload(loc.get("latitude"), loc.get("longitude")) is None:
            return TelegramEvent("reply", reply_key="channel_unsupported_other", **base)
        return TelegramEvent(
            "location",
            latitude=float(loc["latitude"]),
            longitude=float(loc["longitude"]),
            **base,
        )
    text = message.get("text")
    if isinstance(text, str):
        return TelegramEvent("text", text=text, **base)
    for key, reply_key in _UNSUPPORTED:
        if message.get(key):
            return TelegramEvent("reply", reply_key=reply_key, **base)
    return TelegramEvent("reply", reply_key="channel_unsupported_other", **base)


def _looks_like_command(text: str) -> bool:
    """A /command other than /start (the staff module decides whether it is its own)."""
    raw = text.strip() if isinstance(text, str) else ""
    return raw.startswith("/") and not re.match(r"^/start(@\w+)?(\s|$)", raw)


class _TokenRedactingFilter(logging.Filter):
    """httpx logs request URLs at INFO; Bot API URLs contain the bot token."""

    _TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg, record.args = self._TOKEN.sub("/bot<token>", message), ()
        return True


def _redact_token_in_http_logs() -> None:
    for name in ("httpx", "httpcore", "telegram"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _TokenRedactingFilter) for f in log.filters):
            log.addFilter(_TokenRedactingFilter())


def verify_secret_token(header_value: Optional[str], secret: str) -> bool:
    """True only when a secret is configured and the header equals it (constant time)."""
    if not secret or not isinstance(header_value, str):
        return False
    return hmac.compare_digest(header_value.encode("utf-8"), secret.encode("utf-8"))


def valid_secret_format(secret: str) -> bool:
    return bool(_SECRET_FORMAT.match(secret or ""))


# ---------------------------------------------------------------------------
# Pure: outgoing messages
# ---------------------------------------------------------------------------
@dataclass
class TelegramCall:
    """One Bot method call: `getattr(bot, method)(chat_id=..., **kwargs)`."""

    method: str
    kwargs: Dict[str, Any] = field(default_factory=dict)


def _is_location_button(button: Dict[str, Any]) -> bool:
    return str(button.get("payload", "")).strip() == LOCATION_REQUEST_PAYLOAD


def keyboard_for(
    buttons: Sequence[Dict[str, Any]], registry: ButtonRegistry, sender: str, language: str = "nl"
):
    """Reply markup for Rasa buttons.

    With a location request: a reply keyboard ("deel mijn locatie" plus the other
    titles, which come back as text and resolve by title). Otherwise inline
    buttons carrying opaque tokens, one per row (big targets)."""
    buttons = [b for b in buttons if isinstance(b, dict) and str(b.get("title", "")).strip()]
    if not buttons:
        return None
    if any(_is_location_button(b) for b in buttons):
        rows = []
        others = [b for b in buttons if not _is_location_button(b)]
        location_title = next(
            str(b.get("title")).strip() for b in buttons if _is_location_button(b)
        )
        rows.append([KeyboardButton(location_title, request_location=True)])
        if others:
            registry.offer(sender, others)  # resolvable by title
            rows.extend([KeyboardButton(str(b["title"]).strip())] for b in others)
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    offered = registry.offer(sender, buttons)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(item.title, callback_data=item.token)] for item in offered]
    )


def format_message(
    message: Dict[str, Any], registry: ButtonRegistry, sender: str, language: str = "nl"
) -> List[TelegramCall]:
    """Bot method calls for one Rasa bot message (text, buttons, custom, image)."""
    calls: List[TelegramCall] = []
    text: str = message["text"] if isinstance(message.get("text"), str) else ""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    if not isinstance(buttons, list):
        buttons = []
    markup = keyboard_for(buttons, registry, sender, language) if buttons else None
    if markup is not None and not text.strip():
        text = catalogue.text("channel_choose", language)
    parts = split_text(text, MAX_TEXT, utf16_len) if text.strip() else []
    for index, part in enumerate(parts):
        kwargs: Dict[str, Any] = {"text": part}
        if markup is not None and index == len(parts) - 1:
            kwargs["reply_markup"] = markup
        calls.append(TelegramCall("send_message", kwargs))

    image = message.get("image")
    if isinstance(image, str) and image.startswith("https://"):
        calls.append(TelegramCall("send_photo", {"photo": image}))

    custom = message.get("custom")
    venue = parse_venue(custom)
    if venue is not None:
        calls.extend(venue_calls(venue, language))
    elif isinstance(custom, dict) and isinstance(custom.get("text"), str):
        for part in split_text(custom["text"], MAX_TEXT, utf16_len):
            calls.append(TelegramCall("send_message", {"text": part}))
    return calls


def venue_calls(venue, language: str = "nl") -> List[TelegramCall]:
    title = venue.name
    if venue.demo:
        title = f"{title} {catalogue.text('channel_demo_marker', language)}"
    if venue.has_pin:
        return [
            TelegramCall(
                "send_venue",
                {
                    "latitude": venue.latitude,
                    "longitude": venue.longitude,
                    "title": title,
                    "address": venue.address or title,
                },
            )
        ]
    text = title if not venue.address else f"{title}\n{venue.address}"
    return [TelegramCall("send_message", {"text": text})]


# ---------------------------------------------------------------------------
# Rate limiter for PTB
# ---------------------------------------------------------------------------
class TelegramRateLimiter(BaseRateLimiter):
    """Keeps sends within Telegram's limits and honours `retry_after`.

    Written here instead of PTB's `AIORateLimiter` because that one needs the
    `aiolimiter` extra and does not limit private chats (about one message a
    second per chat); this one uses the GCRA gate from stores.py with an
    injectable clock and sleep, so tests need no real waiting.
    """

    def __init__(
        self,
        per_chat_period: float = 1.0,
        per_chat_burst: int = 3,
        group_period: float = 3.0,
        overall_period: float = 1 / 30,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._chat = Gcra(per_chat_period, per_chat_burst, clock)
        self._group = Gcra(group_period, 1, clock)
        self._overall = Gcra(overall_period, 1, clock)
        self._clock = clock
        self._sleep = sleep
        self.max_retries = max_retries
        self._paused_until = 0.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id") if isinstance(data, dict) else None
        if chat_id is not None and endpoint.startswith(_LIMITED_ENDPOINTS):
            numeric = _int(chat_id) if not isinstance(chat_id, int) else chat_id
            is_group = numeric is None or numeric < 0
            gate = self._group if is_group else self._chat
            await self._pause(max(gate.reserve(chat_id), self._overall.reserve()))
        retries = self.max_retries if rate_limit_args is None else int(rate_limit_args)
        attempt = 0
        while True:
            await self._pause(self._paused_until - self._clock())
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= retries:
                    raise
                attempt += 1
                seconds = _retry_after_seconds(exc) + 0.1
                logger.info("telegram: flood control, waiting %.1f s (%s)", seconds, endpoint)
                self._paused_until = max(self._paused_until, self._clock() + seconds)


def _retry_after_seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


# ---------------------------------------------------------------------------
# Staff hook
# ---------------------------------------------------------------------------
@dataclass
class StaffOutcome:
    """What the staff module wants done: replies to the opbouwwerker's chat,
    relays to residents (bot.handoff.queue.Relay, or (pseudonym, text) pairs),
    and resident conversations to pause / resume (live contact)."""

    replies: List[str] = field(default_factory=list)
    relays: List[Any] = field(default_factory=list)
    pause: List[str] = field(default_factory=list)
    resume: List[str] = field(default_factory=list)


# The hook: hook(telegram_user_id, chat_type, text) -> StaffOutcome-like or None
# ("not a staff command": the message is a resident's). It may be a coroutine
# function. By default it is the handoff runtime's TelegramStaffCommands
# (`runtime.telegram.handle_async`), whose StaffReply has texts/relays/pause/resume.
StaffHook = Callable[[int, str, str], Any]


def normalise_staff_outcome(result: Any) -> Optional[StaffOutcome]:
    """Accept a StaffOutcome, a StaffReply (texts, relays, pause, resume), a dict
    with replies/relays, or a (replies, relays) tuple."""
    if result is None:
        return None
    if isinstance(result, StaffOutcome):
        return result
    pause: Sequence[str] = ()
    resume: Sequence[str] = ()
    if isinstance(result, dict):
        replies = result.get("replies", result.get("texts", []))
        relays = result.get("relays", [])
    elif isinstance(result, tuple) and len(result) == 2:
        replies, relays = result
    else:
        replies = getattr(result, "replies", None) or getattr(result, "texts", None) or []
        relays = getattr(result, "relays", None) or []
        pause = getattr(result, "pause", None) or ()
        resume = getattr(result, "resume", None) or ()
    if isinstance(replies, str):
        replies = [replies]
    out_relays: List[Any] = []
    for relay in relays or []:
        if isinstance(relay, (tuple, list)) and len(relay) == 2:
            out_relays.append((str(relay[0]), str(relay[1])))
        elif isinstance(relay, dict):
            who = relay.get("resident_key") or relay.get("resident") or relay.get("pseudonym")
            out_relays.append((str(who), str(relay.get("text", ""))))
        else:
            out_relays.append(relay)  # a handoff Relay: delivered with deliver_relay
    return StaffOutcome([str(r) for r in replies or []], out_relays, list(pause), list(resume))


# ---------------------------------------------------------------------------
# Output channel
# ---------------------------------------------------------------------------
class TelegramOutput(MessageOutputChannel):
    """Sends Rasa's bot messages to one resident (or, by pseudonym, to any)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, channel: "TelegramInput", chat_id: Optional[int] = None,
                 pseudonym: Optional[str] = None, language: str = "nl") -> None:
        self.channel = channel
        self.chat_id = chat_id
        self.pseudonym = pseudonym
        self.language = language
        self.sent = 0  # Bot API calls made (0 after a turn: the assistant said nothing)

    async def _chat_for(self, recipient_id: Text) -> Optional[int]:
        if self.chat_id is not None and (self.pseudonym is None or recipient_id == self.pseudonym):
            return self.chat_id
        address = await self.channel.directory.lookup(recipient_id)
        if address is None or address.channel != CHANNEL:
            return None
        return _int(address.address)

    async def deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        chat_id = await self._chat_for(recipient_id)
        if chat_id is None:
            logger.warning("telegram: no chat for %s", recipient_id)
            return
        calls = format_message(message, self.channel.registry, recipient_id, self.language)
        self.sent += len(calls)
        await self.channel.execute(chat_id, calls)


# ---------------------------------------------------------------------------
# Input channel
# ---------------------------------------------------------------------------
class TelegramInput(InputChannel):
    """Telegram webhook / long polling on Rasa's Sanic server."""

    def __init__(
        self,
        settings: Optional[Settings] = None,
        registry: Optional[ButtonRegistry] = None,
        *,
        bot: Optional[ExtBot] = None,
        directory: Optional[ResidentDirectory] = None,
        dedup: Optional[DedupStore] = None,
        staff_hook: Optional[StaffHook] = None,
        runtime: Any = None,
        poll_timeout: int = 30,
    ) -> None:
        self.settings = settings or load_settings()
        self.registry = registry or ButtonRegistry()
        self.directory = directory or default_directory()
        self.dedup = dedup or MemoryDedupStore()
        self.staff_hook = staff_hook
        # bot.handoff.runtime.HandoffRuntime: staff commands, live contact, staff
        # notifications. Taken from app.ctx.handoff at server start when not given.
        self.runtime = runtime
        self._app = None
        self.rate_limiter = SenderRateLimiter(self.settings.rate_limit_per_minute)
        self.poll_timeout = poll_timeout
        self._bot = bot
        self._bot_ready = False
        self._key: Optional[bytes] = None
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._polling_task: Optional[asyncio.Task] = None
        self.directory.register_sender(CHANNEL, self._send_to_address)
        if self.settings.telegram_webhook_url and not valid_secret_format(
            self.settings.telegram_secret_token
        ):
            logger.error(
                "telegram: TELEGRAM_SECRET_TOKEN must be 1-256 characters A-Z a-z 0-9 _ -; "
                "every webhook request will be refused"
            )

    # --- construction ----------------------------------------------------
    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    @classmethod
    def from_settings(cls, settings: Settings, registry: Optional[ButtonRegistry] = None,
                      **kwargs: Any) -> "TelegramInput":
        kwargs.setdefault("dedup", make_dedup_store(settings.redis_url))
        return cls(settings, registry, **kwargs)

    @property
    def polling(self) -> bool:
        return bool(self.settings.telegram_bot_token) and not self.settings.telegram_webhook_url

    @property
    def bot(self) -> ExtBot:
        if self._bot is None:
            self._bot = ExtBot(
                token=self.settings.telegram_bot_token,
                base_url=self.settings.telegram_base_url,
                rate_limiter=TelegramRateLimiter(),
                request=HTTPXRequest(connection_pool_size=16),
                get_updates_request=HTTPXRequest(
                    read_timeout=self.poll_timeout + 10, connection_pool_size=1
                ),
            )
        return self._bot

    async def _ready_bot(self) -> ExtBot:
        bot = self.bot
        if not self._bot_ready:
            await bot.initialize()
            self._bot_ready = True
        return bot

    def forget_resident(self, pseudonym: str) -> None:
        """Per-resident state of this channel ("verwijder mijn gegevens")."""
        self.rate_limiter.forget(pseudonym)

    def _pseudonym(self, user_id: int) -> str:
        if self._key is None:
            self._key = self.settings.pseudonym_key_bytes()
        return pseudonymise(CHANNEL, str(user_id), self._key)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TelegramOutput(self)

    # --- sending ---------------------------------------------------------
    async def execute(self, chat_id: int, calls: Iterable[TelegramCall]) -> None:
        bot = await self._ready_bot()
        for call in calls:
            try:
                await getattr(bot, call.method)(chat_id=chat_id, **call.kwargs)
            except Forbidden:
                logger.info("telegram: chat blocked the bot; dropping %s", call.method)
                return
            except TelegramError as exc:
                logger.warning("telegram: %s failed (%s)", call.method, type(exc).__name__)

    async def send_text(self, chat_id: int, text: str) -> None:
        calls = [TelegramCall("send_message", {"text": part})
                 for part in split_text(text, MAX_TEXT, utf16_len)]
        await self.execute(chat_id, calls)

    async def _send_to_address(self, pseudonym: str, address: ResidentAddress, text: str) -> bool:
        chat_id = _int(address.address)
        if chat_id is None:
            return False
        try:
            await self.send_text(chat_id, text)
        except TelegramError:
            return False
        return True

    # --- receiving -------------------------------------------------------
    async def handle_update(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], update: Any
    ) -> str:
        """Process one Update (webhook body or getUpdates item).

        Returns what happened (for tests and metrics): "duplicate", "ignored",
        "replied", "staff", "processed" or "failed". Never raises."""
        event = parse_update(update)
        if event.update_id is not None and not await self.dedup.first_seen(
            f"tg:{self._bot_id_hint()}:{event.update_id}"
        ):
            return "duplicate"
        try:
            return await self._handle_event(on_new_message, event)
        except Exception:  # never crash on what a platform sends
            logger.exception("telegram: update %s failed", event.update_id)
            if event.chat_id is not None and event.private:
                try:
                    await self.send_text(event.chat_id, catalogue.text("technical_problem", event.language))
                except Exception:  # pragma: no cover - best effort
                    logger.warning("telegram: could not send the apology")
            return "failed"

    def _bot_id_hint(self) -> str:
        token = self.settings.telegram_bot_token or ""
        return token.split(":", 1)[0] if ":" in token else "bot"

    async def _handle_event(self, on_new_message, event: TelegramEvent) -> str:
        if event.kind == "ignore" or event.chat_id is None:
            return "ignored"
        if event.callback_query_id:
            await self._acknowledge_button(event)
        if event.kind == "reply":
            await self.send_text(event.chat_id, catalogue.text(event.reply_key, event.language))
            return "replied"
        if event.kind == "text" and event.private and _looks_like_command(event.text):
            if await self._staff(event):
                return "staff"

        if event.user_id is None:  # text and locations always have a sender; a button without one
            return "ignored"
        pseudonym = self._pseudonym(event.user_id)
        await self.directory.remember(
            pseudonym,
            ResidentAddress(CHANNEL, str(event.chat_id), time.time(), event.language),
        )
        text = self._nlu_text(event, pseudonym)
        if text is None:
            await self.send_text(event.chat_id, catalogue.text("channel_button_expired", event.language))
            return "replied"
        if not text:
            await self.send_text(event.chat_id, catalogue.text("empty_message", event.language))
            return "replied"
        if not self.rate_limiter.allow(pseudonym):
            logger.info("telegram: rate limit reached for %s", pseudonym)
            await self.send_text(event.chat_id, catalogue.text("slow_down", event.language))
            return "replied"
        live = self._live()
        if live is not None:
            screened = await live.screen(pseudonym, text, event.language)
            for reply in screened.replies:  # the crisis reply, at once
                await self.send_text(event.chat_id, reply)
            if screened.handled:
                return "live"
        output = TelegramOutput(self, event.chat_id, pseudonym, event.language)
        logger.debug("telegram: message from %s", pseudonym)
        failed: List[str] = []

        async def run() -> bool:
            with watching_actions() as failed_now:
                await on_new_message(
                    UserMessage(
                        text,
                        output,
                        pseudonym,
                        input_channel=CHANNEL,
                        metadata={"language": event.language},
                    )
                )
                failed.extend(failed_now)
            return not failed_now and output.sent > 0

        try:
            answered = await run()
            if not answered and not failed and live is not None:
                # Silence: a conversation left paused is resumed and run again.
                for reply in await live.after_silence(pseudonym, text, event.language, run):
                    await self.send_text(event.chat_id, reply)
                return "processed"
        except Exception:
            logger.exception("telegram: message handling failed for %s", pseudonym)
            await self.send_text(event.chat_id, catalogue.text("technical_problem", event.language))
            return "failed"
        if failed or output.sent == 0:
            # An action failed or timed out: never leave the resident in silence.
            logger.warning("telegram: no reply produced for %s", pseudonym)
            await self.send_text(event.chat_id, catalogue.text("technical_problem", event.language))
        return "processed"

    def _nlu_text(self, event: TelegramEvent, pseudonym: str) -> Optional[str]:
        """Text for the NLU; None for a button that was not offered (expired)."""
        if event.kind == "location":
            return location_payload(event.latitude, event.longitude) or ""
        if event.kind == "button":
            return self.registry.resolve(pseudonym, event.text)
        raw = event.text.strip()
        if re.match(r"^/start(@\w+)?(\s|$)", raw):
            return START_TEXT
        by_title = self.registry.resolve_title(pseudonym, raw) if raw else None
        if by_title is not None:
            return by_title
        return clean_text(raw, self.settings.max_message_chars)

    async def _acknowledge_button(self, event: TelegramEvent) -> None:
        if event.callback_query_id is None:
            return
        bot = await self._ready_bot()
        try:
            await bot.answer_callback_query(event.callback_query_id)
            if event.message_id is not None:
                # Remove the buttons so they cannot be pressed twice.
                await bot.edit_message_reply_markup(
                    chat_id=event.chat_id, message_id=event.message_id, reply_markup=None
                )
        except TelegramError as exc:
            logger.info("telegram: acknowledging a button failed (%s)", type(exc).__name__)

    def _staff_handler(self) -> Optional[StaffHook]:
        if self.staff_hook is not None:
            return self.staff_hook
        commands = getattr(self.runtime, "telegram", None) if self.runtime is not None else None
        if commands is None:
            return None
        return getattr(commands, "handle_async", None) or getattr(commands, "handle", None)

    async def _staff(self, event: TelegramEvent) -> bool:
        """Route a /command to the staff module; False when it is not a staff command."""
        handler = self._staff_handler()
        if handler is None or event.user_id is None or event.chat_id is None:
            return False
        result = handler(event.user_id, event.chat_type, event.text)
        if inspect.isawaitable(result):
            result = await result
        outcome = normalise_staff_outcome(result)
        if outcome is None:
            return False
        for reply in outcome.replies:
            await self.send_text(event.chat_id, reply)
        for relay in outcome.relays:
            if await self._deliver(relay):
                continue
            logger.info("telegram: a relay to a resident was not delivered")
            undelivered = getattr(getattr(self.runtime, "telegram", None), "undelivered_text", None)
            if undelivered is not None and not isinstance(relay, tuple):
                await self.send_text(event.chat_id, undelivered(relay))
        agent = self._agent()
        if getattr(agent, "processor", None) is not None and (outcome.pause or outcome.resume):
            from bot.handoff.runtime import set_assistant_paused

            changes = [(key, True) for key in outcome.pause] + [(key, False) for key in outcome.resume]
            for key, paused in changes:
                try:
                    await set_assistant_paused(agent, key, paused)
                except Exception:  # surfaced; the service's loop retries (assistant_sync)
                    logger.exception("telegram: pausing/resuming the assistant failed")
                    from bot.handoff.texts import staff_text

                    await self.send_text(event.chat_id, staff_text("dash_sync_failed"))
        return True

    async def _deliver(self, relay: Any) -> bool:
        if isinstance(relay, tuple):
            return await self.directory.send_to_resident(relay[0], relay[1])
        from bot.handoff.queue import deliver_relay

        return await deliver_relay(relay, self.directory)

    def _agent(self):
        app = self._app
        return getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None

    def _live(self):
        """The channel layer's live contact and silence guard (with a handoff runtime)."""
        if self.runtime is None:
            return None
        from bot.channels.live import LiveContact

        return LiveContact(self.runtime)

    async def send_to_staff(self, telegram_user_id: int, text: str) -> None:
        """Send to an opbouwwerker's private chat (TelegramStaffNotifier's `send`)."""
        await self.send_text(int(telegram_user_id), text)

    # --- web layer -------------------------------------------------------
    async def handle_webhook(
        self, on_new_message, raw_body: bytes, secret_header: Optional[str]
    ) -> Tuple[int, Any]:
        """Check the secret token, then process the update: (status, body)."""
        if not verify_secret_token(secret_header, self.settings.telegram_secret_token):
            logger.warning("telegram: webhook request with a missing or wrong secret token")
            return 403, {"error": "forbidden"}
        if len(raw_body) > MAX_BODY_BYTES:
            return 413, {"error": "too large"}
        try:
            update = json.loads(raw_body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, {"error": "malformed json"}
        await self.handle_update(on_new_message, update)
        return 200, {"ok": True}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        bp = Blueprint(f"ontmoet_{CHANNEL}_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": "polling" if self.polling else "webhook"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self._app is None:
                self.attach(request.app)
            status, body = await self.handle_webhook(
                on_new_message, request.body or b"", request.headers.get(SECRET_HEADER)
            )
            return response.json(body, status=status)

        return bp

    # --- server lifecycle (bot/service.py registers these listeners) -------
    def attach(self, app) -> None:
        """Use the service's app: its agent (pause/resume) and handoff runtime."""
        self._app = app
        if self.runtime is None:
            self.runtime = getattr(getattr(app, "ctx", None), "handoff", None)
        notifier = getattr(self.runtime, "notifier", None)
        if self.runtime is not None and type(notifier).__name__ == "LoggingNotifier":
            from bot.handoff.routing import TelegramStaffNotifier

            self.runtime.notifier = TelegramStaffNotifier(self.send_to_staff)

    async def on_server_start(self, app=None, loop=None) -> None:
        if app is not None:
            self.attach(app)
        if not self.settings.telegram_bot_token:
            return
        _redact_token_in_http_logs()
        try:
            bot = await self._ready_bot()
            if self.polling:
                await bot.delete_webhook(drop_pending_updates=False)
                if self._on_new_message is not None:
                    self._polling_task = asyncio.ensure_future(self.poll(self._on_new_message))
                logger.info("telegram: long polling started")
            else:
                await bot.set_webhook(
                    url=self.settings.telegram_webhook_url,
                    secret_token=self.settings.telegram_secret_token or None,
                    allowed_updates=ALLOWED_UPDATES,
                )
                logger.info("telegram: webhook registered")
        except (InvalidToken, TelegramError) as exc:
            logger.error("telegram: could not start (%s)", type(exc).__name__)

    async def on_server_stop(self, app=None, loop=None) -> None:
        task, self._polling_task = self._polling_task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        if self._bot is not None and self._bot_ready:
            try:
                await self._bot.shutdown()
            except Exception:  # pragma: no cover - best effort
                pass
            self._bot_ready = False

    async def poll(self, on_new_message, max_rounds: Optional[int] = None) -> None:
        """Long polling loop (getUpdates); `max_rounds` bounds it for tests."""
        bot = await self._ready_bot()
        offset: Optional[int] = None
        backoff = 1.0
        rounds = 0
        while max_rounds is None or rounds < max_rounds:
            rounds += 1
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
                backoff = 1.0
            except (InvalidToken, Forbidden) as exc:
                logger.error("telegram: polling stopped (%s)", type(exc).__name__)
                return
            except RetryAfter as exc:
                await asyncio.sleep(_retry_after_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:
                logger.info("telegram: getUpdates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            for update in updates:
                offset = update.update_id + 1
                await self.handle_update(on_new_message, update.to_dict())
