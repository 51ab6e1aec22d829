"""The words of a reminder, from the one catalogue (bot/catalogue.yml).

A reminder is stored as a text key and parameters, and filled in when it is
sent, in the resident's language. A reminder about a demo activity says so
(`demo` in its parameters), and each one says how to stop them.
"""
from __future__ import annotations

from typing import Any, Dict

from bot.catalogue import text


class _Keep(dict):
    """Unknown placeholders stay as they are instead of failing the send."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text_key: str, params: Dict[str, Any], language: str = "nl") -> str:
    body = text(text_key, language).format_map(_Keep(params or {}))
    parts = [body]
    if (params or {}).get("demo"):
        parts.append(text("reminder_demo_note", language))
    parts.append(text("reminder_how_to_stop", language))
    return " ".join(p.strip() for p in parts if p and p.strip())
