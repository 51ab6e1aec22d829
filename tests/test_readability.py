"""Simple Dutch as a gate (issue 7): every Dutch response of the domain and every
Dutch text of bot/catalogue.yml must meet the B1 bar, or this test fails naming
each text that misses it.

The measure (see docs/SAFETY.md):
- Flesch-Douma reading ease (the Dutch Flesch formula: 206.835 - 0.93 x words per
  sentence - 77 x syllables per word), computed by `textstat` with its Dutch
  settings (syllables from the pyphen nl_NL hyphenation dictionary);
- average sentence length in words;
- share of long words (4 syllables or more);
- length of the whole message in words.
Very short texts (fewer than MIN_WORDS_SCORED words, such as a button label or
"weet ik niet") are only held to the length rules: a reading-ease formula says
nothing about three words.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import textstat
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_FILE = ROOT / "domain.yml"
CATALOGUE = ROOT / "bot" / "catalogue.yml"

# The B1 bar. Flesch-Douma 60 and up is "makkelijk / redelijk makkelijk"
# (plain language for a wide audience); B1 guidance for Dutch (Taalniveau B1,
# Direct Duidelijk) asks for sentences of at most 15 words on average and few
# long words. Messages stay short: at most 60 words.
MIN_FLESCH_DOUMA = 60.0
MAX_AVG_SENTENCE_WORDS = 15.0
MAX_LONG_WORD_SHARE = 0.20
LONG_WORD_SYLLABLES = 4
MAX_MESSAGE_WORDS = 60
MIN_WORDS_SCORED = 6

# Domain words a resident of Maastricht knows (they are the subject itself) and
# the names of the buurten (knowledge/data/buurten.yml): counted as words, but
# scored as a short word (SAMPLE_VALUE), so a long name is not "difficult".
KNOWN_WORDS = {
    "maastricht", "opbouwwerker", "opbouwwerkers", "ontmoetingsplek", "ontmoetingsplekken",
    "vrijwilligerswerk", "vrijwilliger", "vrijwilligers", "vrijwilligersorganisatie",
    "luisterlijn", "zelfmoordpreventie", "samenleving", "activiteiten", "activiteit",
    "huiskamer", "huiskamers", "gemeenschapshuis", "wittevrouwenveld", "mariaberg",
    "toeleiding", "openingstijden", "digitale", "assistent",
}
SAMPLE_VALUE = "huis"
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)

textstat.set_lang("nl")


def _buurt_names() -> set:
    data = yaml.safe_load((ROOT / "knowledge" / "data" / "buurten.yml").read_text(encoding="utf-8"))
    names = set()
    for buurt in data.get("buurten") or []:
        for name in [buurt.get("name")] + list(buurt.get("variants") or []):
            names.update(w.lower() for w in _WORD.findall(name or ""))
    return names


KNOWN_WORDS = KNOWN_WORDS | _buurt_names()


def dutch_domain_texts() -> Iterator[Tuple[str, str]]:
    """(name, text) of every Dutch response variation in domain.yml."""
    data = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    for key, variations in (data.get("responses") or {}).items():
        for index, variation in enumerate(variations or []):
            if not isinstance(variation, dict) or not variation.get("text"):
                continue
            if not is_dutch_variation(variation):
                continue
            yield f"domain.yml:{key}[{index}]", variation["text"]


def is_dutch_variation(variation: dict) -> bool:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language" and condition.get("value") not in (None, "nl"):
            return False
    return True


def dutch_catalogue_texts() -> Iterator[Tuple[str, str]]:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")) or {}
    for key, entry in data.items():
        if isinstance(entry, dict) and entry.get("nl"):
            yield f"catalogue.yml:{key}", entry["nl"]


def prepare(text: str) -> str:
    """Placeholders become a sample word; each line is its own sentence."""
    text = re.sub(r"\{[^}]*\}", SAMPLE_VALUE, text)
    text = _WORD.sub(lambda m: SAMPLE_VALUE if m.group(0).lower() in KNOWN_WORDS else m.group(0), text)
    lines = [line.strip(" -") for line in text.splitlines() if line.strip(" -")]
    return " ".join(line if line[-1] in ".!?:" else line + "." for line in lines)


def sentences(text: str) -> List[str]:
    return [s for s in re.split(r"(?<=[.!?:])\s+", text) if _WORD.search(s)]


def measure(text: str) -> Dict[str, float]:
    prepared = prepare(text)
    words = _WORD.findall(prepared)
    parts = sentences(prepared)
    long_words = [
        w for w in words
        if textstat.syllable_count(w) >= LONG_WORD_SYLLABLES
    ]
    return {
        "words": len(words),
        "flesch_douma": textstat.flesch_reading_ease(prepared),
        "avg_sentence_words": len(words) / max(1, len(parts)),
        "long_word_share": len(long_words) / max(1, len(words)),
        "long_words": long_words,
    }


def problems(text: str) -> List[str]:
    found = []
    m = measure(text)
    if m["words"] > MAX_MESSAGE_WORDS:
        found.append(f"{m['words']} words (max {MAX_MESSAGE_WORDS})")
    if m["avg_sentence_words"] > MAX_AVG_SENTENCE_WORDS:
        found.append(f"{m['avg_sentence_words']:.1f} words per sentence (max {MAX_AVG_SENTENCE_WORDS})")
    if m["words"] >= MIN_WORDS_SCORED:
        if m["flesch_douma"] < MIN_FLESCH_DOUMA:
            found.append(f"Flesch-Douma {m['flesch_douma']:.0f} (min {MIN_FLESCH_DOUMA:.0f})")
        if m["long_word_share"] > MAX_LONG_WORD_SHARE:
            found.append(
                f"{m['long_word_share']:.0%} long words {m['long_words']} (max {MAX_LONG_WORD_SHARE:.0%})"
            )
    return found


def all_dutch_texts() -> List[Tuple[str, str]]:
    return list(dutch_domain_texts()) + list(dutch_catalogue_texts())


def test_the_gate_sees_every_domain_response():
    """Every response with a text has a Dutch variation, and the gate reads it."""
    seen = {name.split(":")[1].split("[")[0] for name, _ in dutch_domain_texts()}
    responses = (yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}).get("responses") or {}
    with_text = {key for key, variations in responses.items() if any(v.get("text") for v in variations)}
    assert with_text and seen == with_text
    assert len(all_dutch_texts()) > 20


def test_every_dutch_text_meets_the_b1_bar():
    failures = []
    for name, text in all_dutch_texts():
        found = problems(text)
        if found:
            failures.append(f"{name}: {'; '.join(found)}\n    {text!r}")
    assert not failures, (
        f"{len(failures)} Dutch text(s) miss the B1 bar (tests/test_readability.py):\n"
        + "\n".join(failures)
    )


def test_the_measure_tells_simple_from_difficult():
    simple = "Ik help u graag. Waar woont u? Typ de naam van uw buurt."
    difficult = (
        "Teneinde de toegankelijkheid van voorzieningen te waarborgen, verzoeken wij "
        "belanghebbenden vriendelijk om aanvullende documentatie betreffende hun "
        "woonsituatie onverwijld te verstrekken aan de verantwoordelijke instantie."
    )
    assert problems(simple) == []
    found = problems(difficult)
    assert any("Flesch-Douma" in p for p in found)
    assert any("words per sentence" in p for p in found)
    assert any("long words" in p for p in found)


def test_a_long_message_fails_on_length():
    long_message = " ".join(["Dit is een korte zin."] * 15)
    assert any("words (max" in p for p in problems(long_message))


@pytest.mark.parametrize("text", ["weet ik niet", "Graag gedaan!", "Ja, een mens"])
def test_short_texts_are_held_to_length_only(text):
    assert problems(text) == []
