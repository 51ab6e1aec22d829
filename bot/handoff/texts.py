"""Staff-facing texts (Telegram commands, notifications), kept in staff_texts.yml.

Texts for residents are in the one catalogue bot/catalogue.yml (bot.catalogue.text).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

STAFF_TEXTS_FILE = Path(__file__).with_name("staff_texts.yml")


@lru_cache(maxsize=1)
def _texts() -> Dict[str, str]:
    with STAFF_TEXTS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def staff_text(key: str, **values) -> str:
    """The staff text for `key`, formatted with `values`."""
    template = _texts()[key]
    return template.format(**values) if values else template


def status_label(status: str) -> str:
    """A request's status in plain Dutch ("in_contact" -> "in contact")."""
    return _texts().get(f"status_{status}", status)


def resident_text(key: str, language: str = "nl", **values) -> str:
    """A resident-facing text from bot/catalogue.yml, formatted with `values`."""
    from bot.catalogue import text

    template = text(key, language)
    return template.format(**values) if values else template


def dashboard_link(dashboard_url: str, reference: str) -> str:
    """Where staff read a request: `<dashboard>/r/T-0042` (the content stays on the server)."""
    return f"{(dashboard_url or '/staff').rstrip('/')}/r/{reference}"


def describe_contact(view) -> str:
    """How staff can reach the resident of a request (queue.RequestView)."""
    if view.contact_method == "telefoon" and view.contact_phone:
        return staff_text("contact_phone", phone=view.contact_phone)
    if view.contact_method == "bel_mij":
        return staff_text("contact_call_me", channel=view.channel)
    if view.contact_method == "chat" or view.resident_key:
        return staff_text("contact_chat", channel=view.channel)
    return staff_text("contact_unknown")


def contact_number(view) -> Optional[str]:
    """The number to call for a request (for a tap-to-call link), if any: the
    number the resident gave, or their WhatsApp number when they asked to be
    called back on it ("bel mij")."""
    if view.contact_phone:
        return str(view.contact_phone).replace(" ", "")
    if view.contact_method == "bel_mij" and view.channel == "whatsapp" and view.channel_address:
        digits = "".join(ch for ch in str(view.channel_address) if ch.isdigit())
        return f"+{digits}" if digits else None
    return None
