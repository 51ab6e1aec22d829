"""Phone numbers typed by residents: recognise and normalise (pure functions).

Used by the toeleiding form (actions/handoff.py) and by bot/privacy.py, which
keeps a typed number out of a stored conversation when consent was refused.
"""
from __future__ import annotations

import re
from typing import Optional

_PHONE_SEPARATORS = re.compile(r"[\s\-().\/]")


def normalise_phone(text: Optional[str]) -> Optional[str]:
    """A phone number a resident typed -> "+31612345678"; None when it is not one.

    Dutch mobile and landline numbers (10 digits with the leading 0, or +31 /
    0031 with 9 digits, "(0)" tolerated) and other international numbers
    written with + and a country code (8-15 digits, e.g. +32 Belgium)."""
    if not text:
        return None
    raw = _PHONE_SEPARATORS.sub("", str(text).strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+31"):
        rest = raw[3:]
        if rest.startswith("0"):
            rest = rest[1:]
        return "+31" + rest if re.fullmatch(r"[1-9]\d{8}", rest) else None
    if raw.startswith("+"):
        return raw if re.fullmatch(r"\+[1-9]\d{7,14}", raw) else None
    if re.fullmatch(r"0[1-9]\d{8}", raw):
        return "+31" + raw[1:]
    return None


_PHONE_IN_TEXT = re.compile(r"(?:\+|00)?\d[\d\s\-().\/]{6,}\d")


def find_phone(text: Optional[str]) -> Optional[str]:
    """The first valid phone number inside a sentence ("mijn nummer is 06 12345678")."""
    for candidate in _PHONE_IN_TEXT.findall(text or ""):
        phone = normalise_phone(candidate)
        if phone:
            return phone
    return None
