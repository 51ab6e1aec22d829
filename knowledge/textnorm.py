"""Normalising names as residents write them, and generating common variants.

`normalize("’t Ruweel")` -> "t ruweel"; `normalize("St. Pieter")` -> "sint pieter";
`normalize("Belvédère")` -> "belvedere"; `normalize("Dousberg-Hazendans")` ->
"dousberg hazendans". Matching compares normalised forms, plus a form without
spaces ("wittevrouwen veld" == "wittevrouwenveld").

The one fuzzy matcher for names (the knowledge base's `resolve_buurt` and the
NLU gazetteer both use it): `closest_name` finds the known name nearest to what
a resident typed ("mariaberch" -> "mariaberg"), on the spelling and on a
Dutch/Limburgish sound-alike key (`sound_key`: "sjarn" and "scharn" are both
"sarn", "kaberg" and "caberg" both "kaberg"); `close_enough` rejects a loose
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


# Dutch (and English) words that look like names but never are one here: never
# fuzzy- or sound-matched (the gazetteer and the knowledge base).
COMMON_WORDS = frozenset(
    """
    de het een en in op te van voor met bij naar is er ik je u we wij ze zij hier daar
    waar wat wie hoe wanneer welk welke mijn mij me ons onze uw jouw heb hebt heeft
    ben bent zijn was kan kun kunt wil wilt graag niet geen wel ook nog meer veel
    samen mensen buurt wijk stad centrum huis plek plekken ergens iets iemand
    ouders moeder vader buren buurman buurvrouw mama papa oma opa
    dag morgen middag avond week maandag dinsdag woensdag donderdag vrijdag
    zaterdag zondag vandaag open openingstijden adres kosten hallo hoi dank
    bedankt help hulp koffie eten bingo koor taal straat weg laan plein
    hier meer leer veer geen been alleen eenzaam hebben zoeken zoek
    maastricht nederland nederlands limburg limburgs vrijwilliger gemeente
    subsidie aanvraag aanvragen bestuur stichting vereniging wonen woon woont
    wonder island heel
    the a an i you my near where is are there what when help
    """.split()
)


SHORT_NAME_CHARS = 5  # a name this short ...
SHORT_NAME_MIN_SCORE = 90.0  # ... needs at least this score: "heer" is not "heel"


def _swapped(a: str, b: str) -> bool:
    """True when `b` is `a` with two letters swapped, also apart ("narazeth")."""
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def name_similarity(a: str, b: str, **_kwargs) -> float:
    """0-100: the better of rapidfuzz's ratio and the Damerau-Levenshtein
    similarity (two swapped letters are one slip, not two, also when they
    are not next to each other)."""
    score = max(fuzz.ratio(a, b), 100.0 * DamerauLevenshtein.normalized_similarity(a, b))
    if a and _swapped(a, b):
        score = max(score, 100.0 * (1 - 1 / len(a)))
    return score


# Sound-alike spellings, applied in this order to a normalised name by `sound_key`.
_SOUND_RULES = [
    (r"ique\b", "iek"),          # ceramique -> ceramiek
    (r"\bsint ?", "st"),         # sint pieter / st. pieter / stpieter
    (r"sch|sj|sg|sh", "s"),      # scharn / sjarn / sgarn, bosch / bos
    (r"ch", "g"),                # mariaberch -> mariaberg (Limburgish g)
    (r"ck", "k"),
    (r"qu", "kw"),
    (r"c(?=[eiy])", "s"),        # ceramique -> seramiek
    (r"c", "k"),                 # caberg -> kaberg
    (r"x", "ks"),
    (r"ph", "f"),
    (r"ij|y|ei", "ei"),          # wijck / wyck / weick
    (r"ie", "i"),                # kwartier / kwartir
    (r"au", "ou"),               # vrauwen / vrouwen
    (r"dt\b|d\b", "t"),         # veld / velt / veldt
    (r"\bz", "s"),               # zuid / suid
    (r"v", "f"),                 # veld / feld
    (r"(?<=[bdfgklmnprstvwz])h", ""),  # h silent after a consonant (nazareth / nazaret)
    (r"en\b|en(?=[bdfgklmnprstvwz])", "e"),  # pottenberg / potteberg (the Dutch -e(n)-)
    (r"(\w)\1+", r"\1"),         # double letters: daalhof / dalhof, poort / port
]
_SOUND_PATTERNS = [(re.compile(pattern), replacement) for pattern, replacement in _SOUND_RULES]


def sound_key(text: str) -> str:
    """A Dutch/Limburgish sound-alike key of a name, without spaces: names that
    sound the same get the same key ("Sjarn" / "Scharn" -> "sarn", "Kaberg" /
    "Caberg" -> "kaberg", "Ceramiek" / "Céramique" -> "seramik", "Wijck" /
    "Wyck" -> "weik", "Daalhoff" / "Daalhof" -> "dalof")."""
    value = normalize(text)
    for pattern, replacement in _SOUND_PATTERNS:
        value = pattern.sub(replacement, value)
    return value.replace(" ", "")


SOUND_KEY_SCORE = 92.0  # the same sound-alike key: below an exact spelling, above a loose one
SOUND_KEY_MIN_CHARS = 4  # keys shorter than this are too loose to match on
SOUND_KEY_PENALTY = 7.0  # a near key is worth this much less than the same near spelling


def _key_score(probe: str, probe_key: str, name_key: str) -> float:
    """The same key counts for a probe of 4 letters or more ("heech" = "heeg",
    not "her" = "heer"); a near key only when both keys have 4 letters or more."""
    if probe_key == name_key:
        return SOUND_KEY_SCORE if len(probe.replace(" ", "")) >= SOUND_KEY_MIN_CHARS else 0.0
    if len(probe_key) < SOUND_KEY_MIN_CHARS or len(name_key) < SOUND_KEY_MIN_CHARS:
        return 0.0
    return name_similarity(probe_key, name_key) - SOUND_KEY_PENALTY


def closest_name(probes: Iterable[str], names: Sequence[str],
                 min_score: float) -> Optional[Tuple[str, float]]:
    """(name, score) of the name in `names` most like one of `probes` (all
    normalised), scoring at least `min_score`; None when there is none.

    A name scores the better of its spelling similarity and its sound-alike
    similarity: `SOUND_KEY_SCORE` for the same `sound_key`, else the
    similarity of the keys less `SOUND_KEY_PENALTY`."""
    names = list(names)
    keys = [sound_key(name) for name in names]
    best: Optional[Tuple[str, float]] = None
    for probe in probes:
        hit = process.extractOne(probe, names, scorer=name_similarity, score_cutoff=min_score)
        if hit and (best is None or hit[1] > best[1]):
            best = (str(hit[0]), float(hit[1]))
        if probe in COMMON_WORDS:  # "wijk" sounds like "wyck" but is a word
            continue
        probe_key = sound_key(probe)
        for name, key in zip(names, keys, strict=True):
            score = _key_score(probe, probe_key, key)
            if score >= min_score and (best is None or score > best[1]):
                best = (name, score)
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
