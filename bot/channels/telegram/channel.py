"""The Telegram channel on python-telegram-bot 22 (not Rasa's aiogram channel).

Two ways in, one handler (`TelegramInput.handle_update`):

* webhook (production, `TELEGRAM_WEBHOOK_URL` set): `POST /webhooks/telegram/webhook`;
  a request without the right `X-Telegram-Bot-Api-Secret-Token` header gets 403
  (compared in constant time; no secret configured means every request is refused);
* long polling (local run: `TELEGRAM_BOT_TOKEN` set, no webhook URL): a background
  task on the Sanic server calls getUpdates.

An update is parsed (`parse.py`), staff commands (/wachtrij, /oppakken ...) from
private chats go to the staff hook, and a resident's message goes through the
resident-turn pipeline (bot/channels/pipeline.py); replies are formatted
(`format.py`) and sent through PTB's `ExtBot` with `TelegramRateLimiter`
(`client.py`: about 1 message a second per chat with short bursts, 20 a minute
per group, 30 a second overall, `retry_after` honoured).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot import catalogue
from bot.channels.common import ButtonRegistry, SenderRateLimiter, split_text, utf16_len
from bot.channels.live import LiveContact
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
from bot.channels.telegram.client import TelegramRateLimiter, redact_token_in_http_logs, retry_after_seconds
from bot.channels.telegram.format import MAX_TEXT, TelegramCall, format_message
from bot.channels.telegram.parse import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    TelegramEvent,
    as_int,
    looks_like_command,
    nlu_text,
    parse_update,
    valid_secret_format,
    verify_secret_token,
)
from bot.handoff.models import FAILED
from ontmoet_core.config import Settings, load_settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_BODY_BYTES = 1024 * 1024


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
# (`runtime.telegram.handle`), whose StaffReply has texts only: its staff actions
# (bot/staff/actions.py) delivered the relays and paused/resumed the assistant.
# Relays and pause/resume here are for a custom hook.
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
        return as_int(address.address)

    async def deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        chat_id = await self._chat_for(recipient_id)
        if chat_id is None:
            logger.warning("telegram: no chat for %s", recipient_id)
            return
        calls = format_message(message, self.channel.registry, recipient_id, self.language)
        self.sent += len(calls)
        await self.channel.execute(chat_id, calls)


class _TelegramReply:
    """The pipeline's way to answer one resident in their Telegram chat."""

    def __init__(self, channel: "TelegramInput", chat_id: int) -> None:
        self.channel = channel
        self.chat_id = chat_id

    async def say(self, text: str) -> None:
        await self.channel.send_text(self.chat_id, text)

    def output(self, pseudonym: str, language: str) -> OutputChannel:
        return TelegramOutput(self.channel, self.chat_id, pseudonym, language)

    async def handled_by_channel(self, pseudonym: str, text: str) -> bool:
        return False


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
        self.pipeline = ResidentPipeline(self, resolve_titles=True)  # reply keyboards send titles
        self.poll_timeout = poll_timeout
        self._bot = bot
        self._bot_ready = False
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
        return self.pipeline.pseudonym(str(user_id))

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

    async def _send_to_address(self, pseudonym: str, address: ResidentAddress, text: str,
                               receipt=None) -> bool:
        chat_id = as_int(address.address)
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
        if event.kind == "reply" and (not event.private or event.user_id is None):
            # a group chat is not a resident's conversation: the channel answers
            await self.send_text(event.chat_id, catalogue.text(event.reply_key, event.language))
            return "replied"
        if event.kind == "text" and event.private and looks_like_command(event.text):
            if await self._staff(event):
                return "staff"
        if event.user_id is None:  # text and locations always have a sender; a button without one
            return "ignored"
        incoming = Incoming(
            str(event.user_id), kind=event.kind,
            text=nlu_text(event) if event.kind == "text" else event.text,
            latitude=event.latitude, longitude=event.longitude, reply_key=event.reply_key,
            address=str(event.chat_id), language=event.language)
        outcome = await self.pipeline.handle(
            incoming, _TelegramReply(self, event.chat_id), on_new_message)
        return "replied" if outcome == "limited" else outcome

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
        return getattr(commands, "handle", None)

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
            if await self._deliver(relay) == FAILED:
                logger.info("telegram: a relay to a resident was not delivered")
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

    async def _deliver(self, relay: Any) -> str:
        """Send a relay to the resident; its delivery state (stored on the reply)."""
        if isinstance(relay, tuple):
            return await self.directory.deliver(relay[0], relay[1])
        from bot.handoff.queue import deliver_state

        queue = getattr(self.runtime, "queue", None) if self.runtime is not None else None
        return await deliver_state(relay, self.directory, queue)

    def _agent(self):
        app = self._app
        return getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None

    @property
    def live(self) -> Optional[LiveContact]:
        """The channel layer's live contact and silence guard (with a handoff runtime)."""
        return LiveContact(self.runtime) if self.runtime is not None else None

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
        redact_token_in_http_logs()
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
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:
                logger.info("telegram: getUpdates failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            for update in updates:
                offset = update.update_id + 1
                await self.handle_update(on_new_message, update.to_dict())
