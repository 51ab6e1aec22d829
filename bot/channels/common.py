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
import json
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


class RedisButtonRegistry(ButtonRegistry):
    """The same registry in Redis, so that several assistant replicas share it.

    One hash per resident (`<prefix>:<sender>`: token -> JSON title/payload) with
    the time-to-live renewed on every offer. Uses the synchronous client: the
    calls are sub-millisecond on a local Redis.
    """

    def __init__(self, client, ttl_seconds: float = 24 * 3600, prefix: str = "ontmoet:knoppen"):
        super().__init__(ttl_seconds=ttl_seconds)
        self.client = client
        self.prefix = prefix

    def _key(self, sender: str) -> str:
        return f"{self.prefix}:{sender}"

    def offer(self, sender: str, buttons: List[Dict[str, Any]]) -> List[OfferedButton]:
        offered = [
            OfferedButton(
                title=str(b.get("title", "")).strip(),
                token=BUTTON_TOKEN_PREFIX + secrets.token_hex(5),
                payload=str(b.get("payload", b.get("title", ""))),
            )
            for b in buttons
        ]
        if offered:
            key = self._key(sender)
            pipe = self.client.pipeline()
            pipe.hset(key, mapping={
                item.token: json.dumps({"t": item.title, "p": item.payload, "s": time.time()})
                for item in offered
            })
            pipe.expire(key, int(self.ttl_seconds))
            pipe.execute()
        return offered

    def _items(self, sender: str) -> List[OfferedButton]:
        raw = self.client.hgetall(self._key(sender)) or {}
        items = []
        for token, value in raw.items():
            token = token.decode() if isinstance(token, bytes) else token
            data = json.loads(value)
            items.append((data.get("s", 0), OfferedButton(data["t"], token, data["p"])))
        return [item for _, item in sorted(items, key=lambda pair: pair[0])]

    def resolve(self, sender: str, token: str) -> Optional[str]:
        value = self.client.hget(self._key(sender), token.strip())
        return json.loads(value)["p"] if value else None

    def resolve_title(self, sender: str, text: str) -> Optional[str]:
        wanted = text.strip().casefold()
        for item in reversed(self._items(sender)):
            if item.title.casefold() == wanted:
                return item.payload
        return None

    def forget(self, sender: str) -> None:
        self.client.delete(self._key(sender))


def make_button_registry(redis_url: str = "") -> ButtonRegistry:
    """In-process registry for one node; Redis-backed when `redis_url` is set."""
    if not redis_url:
        return ButtonRegistry()
    import redis

    return RedisButtonRegistry(redis.Redis.from_url(redis_url))


class SenderRateLimiter:
    """At most `limit` messages per sender in a sliding `window_seconds`.

    In-process and bounded; one node. Exceeding senders get a kind message from
    the channel instead of an answer from the assistant.
    """

    def __init__(self, limit: int, window_seconds: float = 60.0, max_senders: int = 100_000):
        self.limit = limit
        self.window_seconds = window_seconds
        self.max_senders = max_senders
        self._hits: "OrderedDict[str, List[float]]" = OrderedDict()

    def _now(self) -> float:
        return time.monotonic()

    def allow(self, sender: str) -> bool:
        if self.limit <= 0:
            return True
        now = self._now()
        hits = [t for t in self._hits.get(sender, []) if now - t < self.window_seconds]
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[sender] = hits
        self._hits.move_to_end(sender)
        while len(self._hits) > self.max_senders:
            self._hits.popitem(last=False)
        return allowed

    def forget(self, sender: str) -> None:
        self._hits.pop(sender, None)


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


# ---------------------------------------------------------------------------
# Shared by the messaging channels (Telegram, WhatsApp)
# ---------------------------------------------------------------------------
# A Rasa button with this payload asks the resident to share a location. On
# Telegram it becomes a "request_location" keyboard button, on WhatsApp a
# location request message; on other channels it stays an ordinary button.
LOCATION_REQUEST_PAYLOAD = "/share_location"
# What the channels hand to the NLU when a resident shares a location. Produced
# by the channel (never by the resident: typed text is cleaned of "/").
LOCATION_INTENT = "inform_location"
# Coordinates are rounded (3 decimals is about 100 m) before they reach the
# tracker store: close enough to find places nearby, not a front door.
LOCATION_DECIMALS = 3
# What opening a new conversation means to the NLU (Telegram's /start, the web
# chat's first load): the greeting and the main buttons come from the domain.
START_TEXT = "hallo"


def location_payload(latitude: Any, longitude: Any) -> Optional[str]:
    """`/inform_location{"lat": .., "lon": ..}` for valid coordinates, else None."""
    import json
    import math

    try:
        lat = float(latitude)
        lon = float(longitude)
    except (TypeError, ValueError):
        return None
    if isinstance(latitude, bool) or isinstance(longitude, bool):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    entities = {"lat": round(lat, LOCATION_DECIMALS), "lon": round(lon, LOCATION_DECIMALS)}
    return f"/{LOCATION_INTENT}{json.dumps(entities)}"


@dataclass(frozen=True)
class Venue:
    """A place an action wants to show on a map.

    Actions send it as a custom json message:
    `{"venue": {"name", "address", "latitude", "longitude",
    "coordinates_verified": bool, "demo": bool, "source": str}}`.
    Only `coordinates_verified` places go out as a map pin; others as text.
    """

    name: str
    address: str
    latitude: Optional[float]
    longitude: Optional[float]
    verified: bool
    demo: bool

    @property
    def has_pin(self) -> bool:
        return self.verified and self.latitude is not None and self.longitude is not None


def parse_venue(custom: Any) -> Optional[Venue]:
    """The Venue inside a custom json message, or None."""
    if not isinstance(custom, dict) or not isinstance(custom.get("venue"), dict):
        return None
    raw = custom["venue"]
    name = str(raw.get("name") or "").strip()
    if not name:
        return None
    lat = lon = None
    if location_payload(raw.get("latitude"), raw.get("longitude")) is not None:
        lat, lon = float(raw["latitude"]), float(raw["longitude"])
    return Venue(
        name=name,
        address=str(raw.get("address") or "").strip(),
        latitude=lat,
        longitude=lon,
        verified=raw.get("coordinates_verified") is True,
        demo=raw.get("demo") is True,
    )


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def split_text(text: str, limit: int, length=len) -> List[str]:
    """Split `text` into parts of at most `limit` (measured by `length`).

    Cuts at a paragraph, line, sentence or word boundary when possible, and
    only inside a word when a single word is longer than the limit."""
    text = text.strip()
    parts: List[str] = []
    while text:
        if length(text) <= limit:
            parts.append(text)
            break
        # Largest prefix (in characters) that fits the limit.
        lo, hi = 1, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if length(text[:mid]) <= limit:
                lo = mid
            else:
                hi = mid - 1
        fit = lo
        window = text[:fit]
        cut = -1
        for brk in _BREAKS:
            pos = window.rfind(brk)
            if pos > fit // 3:
                cut = pos + len(brk.rstrip(" ")) if brk.strip() else pos
                break
        if cut <= 0:
            cut = fit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [p for p in parts if p]
