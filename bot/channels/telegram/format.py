"""Rasa's bot messages out as Bot API calls, pure (no I/O).

Buttons become inline buttons carrying opaque tokens (one per row, big targets),
or a reply keyboard when a location is asked; long texts are split at
Telegram's limit (4096 UTF-16 code units); venues with checked coordinates
become map pins.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import catalogue
from bot.channels.common import (
    LOCATION_REQUEST_PAYLOAD,
    ButtonRegistry,
    parse_venue,
    split_text,
    utf16_len,
)

MAX_TEXT = 4096  # Telegram counts UTF-16 code units

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


