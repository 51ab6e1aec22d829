"""REST and web chat channels for residents.

`POST /webhooks/rest/webhook` keeps the body and answer of Rasa's standard REST
channel (`{"sender", "message"}` in, a list of `{"recipient_id", "text",
"buttons"}` out), with three differences that protect residents:

* the sender id is pseudonymised before it reaches the tracker store;
* typed text is cleaned (no `/intent{...}` steering, no control characters);
* button payloads go out as short tokens that only resolve for the resident
  they were offered to.

`WebChatInput` is the same channel under `/webhooks/webchat/`, plus the page
itself at `GET /webhooks/webchat/`.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import catalogue
from bot.channels.action_failures import watching_actions
from bot.channels.common import (
    ButtonRegistry,
    SenderRateLimiter,
    incoming_text,
    pseudonymise,
)
from bot.config import Settings, load_settings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128


class BadRequest(ValueError):
    """The body of a request is not a resident message we can read."""


def parse_body(raw: bytes) -> Tuple[str, Any, Optional[Dict[str, Any]]]:
    """Sender, message and metadata from a REST body; raises BadRequest."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("body too large")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("malformed json") from exc
    if not isinstance(body, dict):
        raise BadRequest("body is not an object")
    sender = body.get("sender")
    if not isinstance(sender, (str, int)) or not str(sender).strip():
        raise BadRequest("missing sender")
    sender = str(sender)
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest("sender too long")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = None
    return sender, body.get("message"), metadata


def format_replies(
    messages: List[Dict[str, Any]], registry: ButtonRegistry, sender: str
) -> List[Dict[str, Any]]:
    """Rasa's collected bot messages with button payloads replaced by tokens."""
    out = []
    for message in messages:
        message = dict(message)
        buttons = message.get("buttons")
        if buttons:
            offered = registry.offer(sender, buttons)
            message["buttons"] = [
                {"title": item.title, "payload": item.token} for item in offered
            ]
        out.append(message)
    return out


class ResidentRestInput(InputChannel):
    """Rasa's REST channel, made safe for residents."""

    def __init__(
        self,
        settings: Optional[Settings] = None,
        registry: Optional[ButtonRegistry] = None,
        rate_limiter: Optional[SenderRateLimiter] = None,
        live=None,
        outbox=None,
        directory=None,
    ) -> None:
        self.settings = settings or load_settings()
        self.registry = registry or ButtonRegistry()
        self.rate_limiter = rate_limiter or SenderRateLimiter(
            self.settings.rate_limit_per_minute
        )
        self.live = live  # bot.channels.live.LiveContact, when the handoff queue runs
        self.outbox = outbox  # bot.channels.live.Outbox for opbouwwerkers' answers
        self.directory = directory  # bot.channels.stores.ResidentDirectory
        self._key: Optional[bytes] = None

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def _pseudonym(self, sender: str) -> str:
        if self._key is None:
            self._key = self.settings.pseudonym_key_bytes()
        return pseudonymise(self.name(), sender, self._key)

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        raw_body: bytes,
    ) -> Tuple[int, Any]:
        """Process one request body; returns (HTTP status, JSON body)."""
        try:
            sender, message, metadata = parse_body(raw_body)
        except BadRequest as exc:
            logger.info("%s: rejected request (%s)", self.name(), exc)
            return 400, {"error": catalogue.text("bad_request")}
        pseudonym = self._pseudonym(sender)
        if not self.rate_limiter.allow(pseudonym):
            logger.info("%s: rate limit reached for %s", self.name(), pseudonym)
            return 429, [{"recipient_id": sender, "text": catalogue.text("slow_down")}]
        text = incoming_text(
            self.registry, pseudonym, message, self.settings.max_message_chars
        )
        if not text:
            return 200, [
                {"recipient_id": sender, "text": catalogue.text("empty_message")}
            ]
        if self.directory is not None:
            from bot.channels.stores import ResidentAddress

            await self.directory.remember(
                pseudonym, ResidentAddress(channel=self.name(), address=pseudonym)
            )
        if self.live is not None:
            screened = await self.live.screen(pseudonym, text)
            if screened.handled:
                # An opbouwwerker is live with this resident: the assistant is
                # quiet; a crisis message still gets the helplines at once.
                return 200, self._waiting(sender, pseudonym) + [
                    {"recipient_id": sender, "text": reply} for reply in screened.replies]
        collector = CollectingOutputChannel()
        failed: List[str] = []

        async def run() -> bool:
            with watching_actions() as failed_now:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        pseudonym,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
                failed.extend(failed_now)
            return not failed_now and bool(collector.messages)

        try:
            answered = await run()
            if not answered and not failed and self.live is not None:
                # Silence: a conversation left paused is resumed and run again.
                fallback = await self.live.after_silence(pseudonym, text, "nl", run)
                if fallback:
                    return 200, self._waiting(sender, pseudonym) + [
                        {"recipient_id": sender, "text": reply} for reply in fallback]
        except Exception:  # never a stack trace to a resident
            logger.exception("%s: message handling failed for %s", self.name(), pseudonym)
            return 200, [
                {"recipient_id": sender, "text": catalogue.text("technical_problem")}
            ]
        if failed or not collector.messages:
            # An action failed or timed out: never leave the resident in silence.
            logger.warning("%s: no reply produced for %s", self.name(), pseudonym)
            return 200, [
                {"recipient_id": sender, "text": catalogue.text("technical_problem")}
            ]
        replies = format_replies(collector.messages, self.registry, pseudonym)
        for reply in replies:
            reply["recipient_id"] = sender
        return 200, self._waiting(sender, pseudonym) + replies

    def _waiting(self, sender: str, pseudonym: str) -> List[Dict[str, Any]]:
        """Messages from an opbouwwerker waiting in the outbox for this resident."""
        if self.outbox is None:
            return []
        return [
            {"recipient_id": sender, "text": text, "from": "opbouwwerker"}
            for text in self.outbox.take(pseudonym)
        ]

    def inbox(self, raw_sender: Any) -> Tuple[int, Any]:
        """GET .../inbox?sender=...: what an opbouwwerker sent since the last look."""
        if not isinstance(raw_sender, str) or not raw_sender or len(raw_sender) > MAX_SENDER_CHARS:
            return 400, {"error": catalogue.text("bad_request")}
        return 200, self._waiting(raw_sender, self._pseudonym(raw_sender))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        bp = Blueprint(f"ontmoet_{self.name()}_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            status, body = await self.handle(on_new_message, request.body or b"")
            return response.json(body, status=status)

        @bp.route("/inbox", methods=["GET"])
        async def inbox(request: Request) -> HTTPResponse:
            status, body = self.inbox(request.args.get("sender"))
            return response.json(body, status=status, headers={"Cache-Control": "no-store"})

        return bp


class WebChatInput(ResidentRestInput):
    """The local web chat: the page plus the REST-style webhook it talks to."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.route("/chat", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await response.file(
                str(STATIC_DIR / "webchat.html"),
                headers={
                    "Content-Security-Policy": "default-src 'self'; "
                    "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
                    "X-Content-Type-Options": "nosniff",
                    "Cache-Control": "no-store",
                },
            )

        return bp
