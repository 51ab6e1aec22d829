"""WhatsApp webhooks in, pure (no I/O): the subscription check, the signature
check (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body with the app secret,
compared in constant time) and what the messages of one webhook body mean.

Incoming: text, interactive button_reply / list_reply (opaque tokens from the
ButtonRegistry), template quick-reply buttons, and locations. Status callbacks
never reach the NLU. Media, stickers, contacts ... get a short kind answer;
reactions and system messages are ignored.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from bot.channels.common import location_payload

SIGNATURE_HEADER = "X-Hub-Signature-256"
_UNSUPPORTED = {
    "audio": "channel_unsupported_voice",
    "voice": "channel_unsupported_voice",
    "sticker": "channel_unsupported_sticker",
    "image": "channel_unsupported_photo",
    "video": "channel_unsupported_video",
    "document": "channel_unsupported_document",
}
_IGNORED_TYPES = {"reaction", "system", "ephemeral", "request_welcome"}

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
    for entry in dicts(body.get("entry")):
        for change in dicts(entry.get("changes")):
            if change.get("field") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            metadata: Dict[str, Any] = value["metadata"] if isinstance(value.get("metadata"), dict) else {}
            if phone_number_id and str(metadata.get("phone_number_id", "")) != phone_number_id:
                continue
            parsed.statuses.extend(dicts(value.get("statuses")))
            for message in dicts(value.get("messages")):
                parsed.events.append(_event(message))
    return parsed


def dicts(value: Any) -> List[Dict[str, Any]]:
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

