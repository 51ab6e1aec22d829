"""Rasa's bot messages out as Graph API message objects, pure (no I/O).

One formatter (`build_messages`) chooses text, reply buttons (at most 3, titles
at most 20 characters), a list message (at most 10 rows, titles at most 24,
more choices paged behind a "meer" row) or a location request, from Rasa's
buttons; `template_message` is the approved template for outside the 24-hour
window.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot import catalogue
from bot.channels.common import LOCATION_REQUEST_PAYLOAD, ButtonRegistry, parse_venue, split_text

# Documented platform limits (shared/facts/sourced-facts.md, "Platforms").
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_INTERACTIVE_BODY = 1024
MAX_TEXT_BODY = 4096
MAX_TEMPLATE_PARAMETER = 1024
MORE_PAYLOAD = "__meer__"  # payload of the "meer" row; handled by the channel itself


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


