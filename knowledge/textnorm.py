"""Normalising names as residents write them, and generating common variants.

`normalize("’t Ruweel")` -> "t ruweel"; `normalize("St. Pieter")` -> "sint pieter";
`normalize("Belvédère")` -> "belvedere"; `normalize("Dousberg-Hazendans")` ->
"dousberg hazendans". Matching compares normalised forms, plus a form without
spaces ("wittevrouwen veld" == "wittevrouwenveld").

The one fuzzy matcher for names (the knowledge base's `resolve_buurt` and the
NLU gazetteer both use it): `closest_name` finds the known name nearest to what
a resident typed ("mariaberch" -> "mariaberg"), `close_enough` rejects a loose
match on a short name.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, List, Optional, Sequence, Tuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

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


SHORT_NAME_CHARS = 5  # a name this short ...
SHORT_NAME_MIN_SCORE = 90.0  # ... needs at least this score: "heer" is not "heel"


def name_similarity(a: str, b: str, **_kwargs) -> float:
    """0-100: the better of rapidfuzz's ratio and the Damerau-Levenshtein
    similarity (two swapped letters are one slip, not two)."""
    return max(fuzz.ratio(a, b), 100.0 * DamerauLevenshtein.normalized_similarity(a, b))


def closest_name(probes: Iterable[str], names: Sequence[str],
                 min_score: float) -> Optional[Tuple[str, float]]:
    """(name, score) of the name in `names` most like one of `probes` (all
    normalised), scoring at least `min_score`; None when there is none."""
    best: Optional[Tuple[str, float]] = None
    for probe in probes:
        hit = process.extractOne(probe, names, scorer=name_similarity, score_cutoff=min_score)
        if hit and (best is None or hit[1] > best[1]):
            best = (str(hit[0]), float(hit[1]))
    return best


def close_enough(name: str, score: float) -> bool:
    """False for a loose match on a short name (those need a very close match)."""
    return len(name) > SHORT_NAME_CHARS or score >= SHORT_NAME_MIN_SCORE


def dedupe(values: Iterable[str]) -> List[str]:
    seen = set()
    out = []
    for value in values:
        key = value.strip()
        if key and key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return out
