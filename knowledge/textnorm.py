"""Normalising names as residents write them, and generating common variants.

`normalize("’t Ruweel")` -> "t ruweel"; `normalize("St. Pieter")` -> "sint pieter";
`normalize("Belvédère")` -> "belvedere"; `normalize("Dousberg-Hazendans")` ->
"dousberg hazendans". Matching compares normalised forms, plus a form without
spaces ("wittevrouwen veld" == "wittevrouwenveld").
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, List

_APOSTROPHES = "'’‘`´ʼ"
_ABBREVIATIONS = {
    "st": "sint",
    "str": "straat",
    "mtr": "maastricht",
}


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation; expands 'st.' to 'sint'."""
    if not text:
        return ""
    value = strip_accents(text).lower()
    for ch in _APOSTROPHES:
        value = value.replace(ch, "")
    value = re.sub(r"[^a-z0-9]+", " ", value)
    words = [_ABBREVIATIONS.get(word, word) for word in value.split()]
    return " ".join(words)


def compact(text: str) -> str:
    """The normalised form without spaces (for hyphen/space-insensitive matching)."""
    return normalize(text).replace(" ", "")


def slugify(text: str) -> str:
    return normalize(text).replace(" ", "-")


def written_variants(name: str) -> List[str]:
    """Spellings residents commonly use for `name` (as written, not normalised).

    Accents dropped, hyphens as spaces or left out, "Sint" as "St." and "St",
    a leading article left out ("De Heeg" -> "Heeg"), the typographic
    apostrophe as a plain one ("’t Ruweel" -> "'t Ruweel", "t Ruweel").
    """
    out: List[str] = []

    def add(value: str) -> None:
        value = " ".join(value.split())
        if value and value not in out:
            out.append(value)

    add(name)
    base = list(out)
    for value in base:
        add(strip_accents(value))
    for value in list(out):
        if "’" in value or "‘" in value:
            add(value.replace("’", "'").replace("‘", "'"))
            add(value.replace("’", "").replace("‘", ""))
    for value in list(out):
        if "-" in value:
            add(value.replace("-", " "))
            if " " not in value:
                add(value.replace("-", ""))
    for value in list(out):
        if re.match(r"(?i)^sint[\s-]", value):
            rest = re.sub(r"(?i)^sint[\s-]", "", value)
            add(f"St. {rest}")
            add(f"St {rest}")
    for value in list(out):
        match = re.match(r"(?i)^(de|het|'t|’t|t)\s+(.+)$", value)
        if match and len(match.group(2)) >= 4:
            add(match.group(2))
    return out


def dedupe(values: Iterable[str]) -> List[str]:
    seen = set()
    out = []
    for value in values:
        key = value.strip()
        if key and key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return out
