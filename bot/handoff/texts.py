"""Staff-facing texts (Telegram commands, notifications), kept in staff_texts.yml.

Texts for residents are in the one catalogue bot/catalogue.yml (bot.catalogue.text).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

STAFF_TEXTS_FILE = Path(__file__).with_name("staff_texts.yml")


@lru_cache(maxsize=1)
def _texts() -> Dict[str, Any]:
    with STAFF_TEXTS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def staff_text(key: str, **values) -> str:
    """The staff text for `key`, formatted with `values`."""
    template = _texts()[key]
    return template.format(**values) if values else template


def staff_label(group: str, value: object) -> str:
    """The Dutch word for a system value on the dashboard ("in_contact" -> "in contact").

    The groups (status, channel, kind, language, role, boolean, live) are under
    `labels` in staff_texts.yml; an unknown value shows without underscores."""
    if value is None or value == "":
        return "-"
    labels = _texts()["labels"].get(group, {})
    return labels.get(str(value)) or str(value).replace("_", " ")


def resident_text(key: str, language: str = "nl", **values) -> str:
    """A resident-facing text from bot/catalogue.yml, formatted with `values`."""
    from bot.catalogue import text

    template = text(key, language)
    return template.format(**values) if values else template


def dashboard_link(dashboard_url: str, reference: str) -> str:
    """Where staff read a request: `<dashboard>/r/T-0042` (the content stays on the server)."""
    return f"{(dashboard_url or '/staff').rstrip('/')}/r/{reference}"


def describe_contact(view, dashboard: bool = False) -> str:
    """How staff can reach the resident of a request (queue.RequestView);
    `dashboard`: the dashboard's words (no Telegram commands)."""
    channel = staff_label("channel", view.channel)
    if view.contact_method == "telefoon" and view.contact_phone:
        return staff_text("contact_phone", phone=view.contact_phone)
    if view.contact_method == "bel_mij":
        return staff_text("contact_call_me", channel=channel)
    if view.contact_method == "chat" or view.resident_key:
        return staff_text("contact_chat", channel=channel)
    return staff_text("dash_contact_unknown" if dashboard else "contact_unknown")
