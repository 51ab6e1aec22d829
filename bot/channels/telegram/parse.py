"""Telegram updates in, pure (no I/O): what one Bot API Update means for us.

What a resident sends:
* text -> the NLU's text (the pipeline cleans it); `/start` -> "hallo";
* an inline button -> its token (resolved by the pipeline for that resident only);
* a reply-keyboard button -> its title as text (resolved by title);
* a location -> latitude and longitude;
* voice, sticker, photo, video, document, other media, edited messages -> a short
  kind answer saying what the assistant can handle; group chats -> "one to one only".
Also the webhook's secret-token check.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

from bot.channels.common import START_TEXT, location_payload

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
_START = re.compile(r"^/start(@\w+)?(\s|$)")
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


def as_int(value: Any) -> Optional[int]:
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
    update_id = as_int(update.get("update_id"))

    callback = update.get("callback_query")
    if isinstance(callback, dict):
        user: Dict[str, Any] = callback["from"] if isinstance(callback.get("from"), dict) else {}
        message: Any = callback["message"] if isinstance(callback.get("message"), dict) else {}
        chat: Dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
        data = callback.get("data")
        return TelegramEvent(
            kind="button" if isinstance(data, str) and data else "ignore",
            update_id=update_id,
            chat_id=as_int(chat.get("id")) or as_int(user.get("id")),
            user_id=as_int(user.get("id")),
            chat_type=str(chat.get("type") or "private"),
            text=data if isinstance(data, str) else "",
            callback_query_id=str(callback.get("id")) if callback.get("id") is not None else None,
            message_id=as_int(message.get("message_id")),
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
    chat_id = as_int(chat.get("id"))
    if chat_id is None:
        return TelegramEvent("ignore", update_id=update_id)
    base: Dict[str, Any] = dict(
        update_id=update_id,
        chat_id=chat_id,
        user_id=as_int(user.get("id")),
        chat_type=str(chat.get("type") or ""),
        message_id=as_int(message.get("message_id")),
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


def looks_like_command(text: str) -> bool:
    """A /command other than /start (the staff module decides whether it is its own)."""
    raw = text.strip() if isinstance(text, str) else ""
    return raw.startswith("/") and not _START.match(raw)


def verify_secret_token(header_value: Optional[str], secret: str) -> bool:
    """True only when a secret is configured and the header equals it (constant time)."""
    if not secret or not isinstance(header_value, str):
        return False
    return hmac.compare_digest(header_value.encode("utf-8"), secret.encode("utf-8"))


def valid_secret_format(secret: str) -> bool:
    return bool(_SECRET_FORMAT.match(secret or ""))




def nlu_text(event: TelegramEvent) -> str:
    """The text a text event hands to the pipeline ("/start" means hello)."""
    return START_TEXT if _START.match(event.text.strip()) else event.text
