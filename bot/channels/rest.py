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

import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import catalogue
from bot.channels.common import LOCATION_REQUEST_PAYLOAD, START_TEXT, ButtonRegistry, SenderRateLimiter
from bot.channels.output import CollectedOutput
from bot.channels.pipeline import Incoming, ResidentPipeline
from ontmoet_core.config import Settings, load_settings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128


class BadRequest(ValueError):
    """The body of a request is not a resident message we can read."""


def parse_body(raw: bytes, sender_required: bool = True) -> Tuple[str, Any, Optional[Dict[str, Any]]]:
    """Sender, message and metadata from a REST body; raises BadRequest.

    With `sender_required=False` (the web chat, whose sender comes from the
    server's cookie) a sender in the body is ignored and "" returned."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("body too large")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("malformed json") from exc
    if not isinstance(body, dict):
        raise BadRequest("body is not an object")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = None
    if not sender_required:
        return "", body.get("message"), metadata
    sender = body.get("sender")
    if not isinstance(sender, (str, int)) or not str(sender).strip():
        raise BadRequest("missing sender")
    sender = str(sender)
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest("sender too long")
    return sender, body.get("message"), metadata


def format_replies(
    messages: List[Dict[str, Any]], registry: ButtonRegistry, sender: str
) -> List[Dict[str, Any]]:
    """Rasa's collected bot messages with button payloads replaced by tokens.

    A location request ("deel mijn locatie") is marked `"location": true`: the
    web chat then asks the browser for the location instead of sending the token."""
    out = []
    for message in messages:
        message = dict(message)
        buttons = message.get("buttons")
        if buttons:
            offered = registry.offer(sender, buttons)
            message["buttons"] = [
                {"title": item.title, "payload": item.token,
                 **({"location": True} if item.payload.strip() == LOCATION_REQUEST_PAYLOAD else {})}
                for item in offered
            ]
        out.append(message)
    return out


def language_hint(metadata: Optional[Dict[str, Any]]) -> Optional[str]:
    """The client's `metadata.language`, when it is a language of the catalogue."""
    value = (metadata or {}).get("language")
    return value if isinstance(value, str) and value in catalogue.languages() else None


class _CollectedReply:
    """The pipeline's answers for one request, returned in the JSON body."""

    def __init__(self) -> None:
        self.said: List[str] = []
        self.collected: Optional[CollectedOutput] = None

    async def say(self, text: str) -> None:
        self.said.append(text)

    def output(self, pseudonym: str, language: str) -> OutputChannel:
        self.collected = CollectedOutput()
        return self.collected

    async def handled_by_channel(self, pseudonym: str, text: str) -> bool:
        return False


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
        self.pipeline = ResidentPipeline(self)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def _pseudonym(self, sender: str) -> str:
        return self.pipeline.pseudonym(sender)

    async def handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        raw_body: bytes,
        sender: Optional[str] = None,
    ) -> Tuple[int, Any]:
        """Process one request body; returns (HTTP status, JSON body).

        `sender`: given by the server (the web chat's cookie); the body's
        sender is then ignored."""
        try:
            body_sender, message, metadata = parse_body(raw_body, sender_required=sender is None)
            sender = sender if sender is not None else body_sender
        except BadRequest as exc:
            logger.info("%s: rejected request (%s)", self.name(), exc)
            return 400, {"error": catalogue.text("bad_request")}
        reply = _CollectedReply()
        if isinstance(message, dict) and set(message) == {"latitude", "longitude"}:
            # the web chat's "deel mijn locatie": the pipeline makes the channels' location payload
            incoming = Incoming(sender, kind="location", latitude=message["latitude"],
                                longitude=message["longitude"], language=language_hint(metadata),
                                metadata=metadata)
        else:
            incoming = Incoming(sender, text=message, language=language_hint(metadata), metadata=metadata)
        outcome = await self.pipeline.handle(incoming, reply, on_new_message)
        pseudonym = self._pseudonym(sender)
        said = [{"recipient_id": sender, "text": text} for text in reply.said]
        if outcome == "limited":
            return 429, said
        collected = reply.collected.messages if reply.collected is not None else []
        replies = format_replies(collected, self.registry, pseudonym)
        for formatted in replies:
            formatted["recipient_id"] = sender
        return 200, self._waiting(sender, pseudonym) + said + replies

    def forget_resident(self, pseudonym: str) -> None:
        """Per-resident state of this channel ("verwijder mijn gegevens")."""
        self.rate_limiter.forget(pseudonym)

    def _waiting(self, sender: str, pseudonym: str) -> List[Dict[str, Any]]:
        """Messages from an opbouwwerker waiting in the outbox for this resident."""
        if self.outbox is None:
            return []
        return [
            {"recipient_id": sender, "text": text, "from": origin}
            for text, origin in self.outbox.take_messages(pseudonym)
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

        self._conversation_routes(bp, on_new_message)
        return bp

    def _conversation_routes(self, bp: Blueprint, on_new_message) -> None:
        """POST /webhook and GET /inbox: the REST API (sender in the body)."""

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            status, body = await self.handle(on_new_message, request.body or b"")
            return response.json(body, status=status)

        @bp.route("/inbox", methods=["GET"])
        async def inbox(request: Request) -> HTTPResponse:
            status, body = self.inbox(request.args.get("sender"))
            return response.json(body, status=status, headers={"Cache-Control": "no-store"})


CHAT_COOKIE = "ontmoet_chat"
_CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class WebChatSessions:
    """Conversation ids for the web chat, issued by the server.

    The id lives in an HttpOnly, SameSite=Strict cookie (the page's script
    cannot read it, another site cannot send it) as `id.issued.signature`: an
    HMAC (key derived from the pseudonym key) proves the server issued it, and
    `issued` lets the server refuse it after `max_age_seconds` without a
    message (the cookie's Max-Age says the same to the browser). Every message
    renews it; "nieuw gesprek" deletes it.
    """

    def __init__(self, key: bytes, max_age_seconds: float, clock: Callable[[], float] = time.time):
        self._key = hmac.new(key, b"ontmoet web chat cookie", hashlib.sha256).digest()
        self.max_age_seconds = max_age_seconds
        self._clock = clock

    def _signature(self, chat_id: str, issued: int) -> str:
        return hmac.new(self._key, f"{chat_id}.{issued}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, chat_id: Optional[str] = None) -> Tuple[str, str]:
        """(conversation id, cookie value): a new id unless one is given (renewal)."""
        chat_id = chat_id or secrets.token_urlsafe(18)
        issued = int(self._clock())
        return chat_id, f"{chat_id}.{issued}.{self._signature(chat_id, issued)}"

    def verify(self, value: Optional[str]) -> Optional[str]:
        """The conversation id of a valid, unexpired cookie value, else None."""
        if not value or len(value) > 200:
            return None
        parts = value.split(".")
        if len(parts) != 3 or not _CHAT_ID.match(parts[0]) or not parts[1].isdigit():
            return None
        chat_id, issued = parts[0], int(parts[1])
        if not hmac.compare_digest(parts[2], self._signature(chat_id, issued)):
            return None
        age = self._clock() - issued
        if age < -60 or age > self.max_age_seconds:
            return None
        return chat_id


class WebChatInput(ResidentRestInput):
    """The local web chat: the page plus the webhook it talks to.

    Unlike the REST API, the resident's conversation id is not chosen by the
    page: the server issues it in a cookie (WebChatSessions) and ignores any
    `sender` in the body; the inbox is read with the same cookie. POST
    /nieuw ends the conversation on a shared computer (buurthuis, library):
    the cookie is deleted, waiting messages and button tokens are dropped, and
    the next message starts a new conversation under a new id.
    """

    def __init__(self, *args: Any, clock: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock
        self._sessions: Optional[WebChatSessions] = None

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @property
    def sessions(self) -> WebChatSessions:
        if self._sessions is None:
            self._sessions = WebChatSessions(
                self.settings.pseudonym_key_bytes(),
                self.settings.webchat_session_hours * 3600, clock=self._clock)
        return self._sessions

    def _set_cookie(self, request: Request, resp: HTTPResponse, value: str, max_age: int) -> None:
        resp.cookies[CHAT_COOKIE] = value
        cookie = resp.cookies[CHAT_COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/webhooks/webchat"
        cookie["max-age"] = max_age
        if self.settings.production or request.scheme == "https":
            cookie["secure"] = True

    def _conversation_routes(self, bp: Blueprint, on_new_message) -> None:
        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            chat_id = self.sessions.verify(request.cookies.get(CHAT_COOKIE))
            chat_id, cookie_value = self.sessions.issue(chat_id)  # new, or renewed
            status, body = await self.handle(on_new_message, request.body or b"", sender=chat_id)
            if isinstance(body, list):
                for reply in body:  # the id stays in the HttpOnly cookie only
                    if isinstance(reply, dict):
                        reply.pop("recipient_id", None)
            # The page sets its lang attribute from this header (screen readers).
            language = await self._conversation_language(request, self._pseudonym(chat_id))
            resp = response.json(body, status=status, headers={
                "Cache-Control": "no-store", "Content-Language": language})
            self._set_cookie(request, resp, cookie_value, int(self.sessions.max_age_seconds))
            return resp

        @bp.route("/inbox", methods=["GET"])
        async def inbox(request: Request) -> HTTPResponse:
            chat_id = self.sessions.verify(request.cookies.get(CHAT_COOKIE))
            waiting = [] if chat_id is None else [
                {"text": m["text"], "from": m["from"]}
                for m in self._waiting(chat_id, self._pseudonym(chat_id))]
            return response.json(waiting, headers={"Cache-Control": "no-store"})

        @bp.route("/nieuw", methods=["POST"])
        async def new_conversation(request: Request) -> HTTPResponse:
            chat_id = self.sessions.verify(request.cookies.get(CHAT_COOKIE))
            if chat_id is not None:
                pseudonym = self._pseudonym(chat_id)
                self.registry.forget(pseudonym)
                if self.outbox is not None:
                    self.outbox.forget(pseudonym)
                self.rate_limiter.forget(pseudonym)
                logger.info("webchat: conversation %s ended by the resident", pseudonym)
            resp = response.json({"text": catalogue.text("webchat_conversation_ended")},
                                 headers={"Cache-Control": "no-store"})
            self._set_cookie(request, resp, "", 0)
            return resp

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.route("/chat", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            ongoing = self.sessions.verify(request.cookies.get(CHAT_COOKIE)) is not None
            return response.html(
                chat_page(new_conversation=not ongoing),
                headers={
                    "Content-Security-Policy": CHAT_PAGE_CSP,
                    "X-Content-Type-Options": "nosniff",
                    "Cache-Control": "no-store",
                },
            )

        for name, content_type in CHAT_ASSETS.items():
            bp.add_route(_asset_handler(name, content_type), f"/{name}", methods=["GET"],
                         name=f"chat_asset_{name.replace('.', '_')}")

        return bp


    async def _conversation_language(self, request: Request, pseudonym: str) -> str:
        """The conversation's language slot ("nl" when unknown): Rasa's tracker store."""
        store = getattr(getattr(request.app.ctx, "agent", None), "tracker_store", None)
        if store is None:
            return "nl"
        try:
            tracker = await store.retrieve(pseudonym)
        except Exception:  # the answer is ready: a store hiccup must not cost it
            logger.warning("webchat: conversation language unknown for %s", pseudonym)
            return "nl"
        language = tracker.get_slot("language") if tracker is not None else None
        return language if isinstance(language, str) and _LANGUAGE_CODE.match(language) else "nl"


_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def _asset_handler(name: str, content_type: str):
    """GET handler of one of the page's own files (bot/static/)."""
    async def asset(request: Request) -> HTTPResponse:
        return response.text(
            (STATIC_DIR / name).read_text(encoding="utf-8"), content_type=content_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})
    return asset


# The chat page runs only its own files (bot/static/webchat.js and .css, served
# by the route above): no inline script or style, no other origin.
CHAT_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                 "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
CHAT_ASSETS = {"webchat.js": "text/javascript; charset=utf-8",
               "webchat.css": "text/css; charset=utf-8"}
# Catalogue texts the page shows: filled in on the server (Dutch, HTML-escaped)
# and in every PAGE_LANGUAGES as JSON, for the page to follow the conversation.
PAGE_TEXTS = ("webchat_new_conversation", "webchat_new_conversation_hint",
              "webchat_conversation_ended", "webchat_connection_problem",
              "webchat_title", "webchat_subtitle", "webchat_log_label",
              "webchat_message_label", "webchat_message_placeholder", "webchat_send",
              "webchat_settings_label", "webchat_large_text", "webchat_high_contrast",
              "channel_share_location", "webchat_location_shared",
              "webchat_location_refused", "webchat_location_unavailable",
              "webchat_welcome_back")
PAGE_LANGUAGES = ("nl", "en")


def chat_page(new_conversation: bool = True) -> str:
    """webchat.html with its texts from the catalogue.

    `new_conversation`: no valid cookie came with the request, so the page opens
    the conversation (START_TEXT) and shows the assistant's greeting."""
    page = (STATIC_DIR / "webchat.html").read_text(encoding="utf-8")
    for key in PAGE_TEXTS:
        page = page.replace("{{" + key + "}}", html.escape(catalogue.text(key), quote=True))
    texts = {lang: {key: catalogue.text(key, lang) for key in PAGE_TEXTS} for lang in PAGE_LANGUAGES}
    config = {"texts": texts, "start": START_TEXT if new_conversation else ""}
    # JSON inside <script>: "<" escaped so no text can close the element.
    return page.replace("{{page_config}}", json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"))
