"""Pure helpers shared by every resident channel (web chat, REST, Telegram, WhatsApp).

Nothing here does I/O: the thin web layers call these functions.

* `clean_text` makes a resident's text safe for the NLU: Rasa-internal syntax such
  as `/intent{"slot": "value"}` is neutralised, control characters are dropped and
  the length is capped.
* `pseudonymise` turns a platform sender id into a keyed hash before it reaches the
  tracker store or a log line.
* `ButtonRegistry` hands out short opaque tokens for the buttons shown to one
  resident; only a token that was offered to that same resident resolves back to
  its payload. A resident therefore cannot type a payload to steer the assistant.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

# Rasa treats a message that starts with "/" as an intent with entities
# (RegexMessageHandler). We strip those leading characters from typed text.
_RASA_PREFIX = re.compile(r"^[\s/]+")
# Categories dropped: control (Cc, except newline/tab), format (Cf, e.g. bidi
# overrides and zero-width joiners are kept out of the NLU), private use, unassigned.
_DROP_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs"}
BUTTON_TOKEN_PREFIX = "knop:"


def clean_text(text: Any, max_chars: int = 2000) -> str:
    """Return resident text that the NLU can safely process as plain text."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in _DROP_CATEGORIES
    )
    text = text.replace("\t", " ")
    text = re.sub(r"[ \u00a0]{2,}", " ", text).strip()
    if len(text) > max_chars:
        text = text[:max_chars].rstrip()
    # Neutralise Rasa's "/intent{...}" syntax: never reaches RegexMessageHandler.
    text = _RASA_PREFIX.sub("", text)
    return text


def pseudonymise(channel: str, sender_id: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256) of a channel's sender id, stable per channel."""
    digest = hmac.new(key, f"{channel}:{sender_id}".encode(), hashlib.sha256)
    return f"{channel[:2]}-{digest.hexdigest()[:32]}"


@dataclass(frozen=True)
class OfferedButton:
    title: str
    token: str
    payload: str


class ButtonRegistry:
    """Remembers which button payloads were offered to which resident.

    In-process store with a time-to-live and a size bound; one node. The
    interface (`offer`, `resolve`, `resolve_title`) is what a shared store
    (Redis) implements for several replicas.
    """

    def __init__(self, ttl_seconds: float = 24 * 3600, max_senders: int = 50_000):
        self.ttl_seconds = ttl_seconds
        self.max_senders = max_senders
        self._offers: "OrderedDict[str, Tuple[float, Dict[str, OfferedButton]]]" = (
            OrderedDict()
        )

    def _now(self) -> float:
        return time.monotonic()

    def offer(self, sender: str, buttons: List[Dict[str, Any]]) -> List[OfferedButton]:
        """Register the buttons shown to `sender`; returns them with tokens."""
        offered = []
        entry = self._entry(sender)
        for button in buttons:
            title = str(button.get("title", "")).strip()
            payload = str(button.get("payload", title))
            token = BUTTON_TOKEN_PREFIX + secrets.token_hex(5)
            item = OfferedButton(title=title, token=token, payload=payload)
            entry[token] = item
            offered.append(item)
        # Keep the last few dozen offers only.
        while len(entry) > 60:
            entry.pop(next(iter(entry)))
        return offered

    def resolve(self, sender: str, token: str) -> Optional[str]:
        """Payload for a token offered to this sender, else None."""
        entry = self._fresh(sender)
        if not entry:
            return None
        item = entry.get(token.strip())
        return item.payload if item else None

    def resolve_title(self, sender: str, text: str) -> Optional[str]:
        """Payload of the most recent offered button whose title equals `text`.

        Used by channels whose buttons send their title as plain text
        (Telegram reply keyboards)."""
        entry = self._fresh(sender)
        if not entry:
            return None
        wanted = text.strip().casefold()
        for item in reversed(list(entry.values())):
            if item.title.casefold() == wanted:
                return item.payload
        return None

    def forget(self, sender: str) -> None:
        self._offers.pop(sender, None)

    def _fresh(self, sender: str) -> Optional[Dict[str, OfferedButton]]:
        found = self._offers.get(sender)
        if not found:
            return None
        stamp, entry = found
        if self._now() - stamp > self.ttl_seconds:
            self._offers.pop(sender, None)
            return None
        return entry

    def _entry(self, sender: str) -> Dict[str, OfferedButton]:
        found = self._fresh(sender)
        entry = found if found is not None else {}
        self._offers[sender] = (self._now(), entry)
        self._offers.move_to_end(sender)
        while len(self._offers) > self.max_senders:
            self._offers.popitem(last=False)
        return entry


def incoming_text(registry: ButtonRegistry, sender: str, text: str, max_chars: int) -> str:
    """What the assistant should process for a resident's message.

    A button token offered to this sender becomes its payload (which may use
    Rasa's `/intent{...}` syntax, because we produced it); anything else is
    cleaned plain text.
    """
    if isinstance(text, str) and text.strip().startswith(BUTTON_TOKEN_PREFIX):
        payload = registry.resolve(sender, text)
        if payload is not None:
            return payload
    return clean_text(text, max_chars)
