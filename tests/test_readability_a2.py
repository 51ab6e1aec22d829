"""The A2 gate (issue 18, point 4): every A2 variation (simpler Dutch, chosen by
the slot `reading_level` = a2) meets a stricter bar than B1 (tests/test_readability.py),
and each core reply has one.

The A2 bar:
- every sentence at most MAX_SENTENCE_WORDS words (not an average: each one);
- the whole message at most MAX_MESSAGE_WORDS words;
- common words only: each word is among the COMMON_RANK most frequent Dutch word
  forms (bot/common_words_nl.yml, from wordfreq 3.1.1: a well-kept frequency list
  from subtitles, Wikipedia, web and books, available offline as a file in the
  repository), or a domain word of A2_KNOWN_WORDS (the names of the buurten,
  the subject itself, what a button says), or a placeholder;
- Flesch-Douma at least MIN_FLESCH_DOUMA (B1: 60) and no long word (4+ syllables)
  beyond MAX_LONG_WORD_SHARE, for texts of MIN_WORDS_SCORED words or more.
The facts stay: an A2 variation fills the same placeholders as its B1 text (the
helplines in crisis and loneliness exactly, never a typed number), and its
buttons lead where the B1 buttons lead.
"""
from __future__ import annotations

import re
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml

from bot.reading_level import common_words
from tests.test_readability import DOMAIN_FILE, KNOWN_WORDS, measure, prepare, sentences

MAX_SENTENCE_WORDS = 10
MAX_MESSAGE_WORDS = 40
MIN_FLESCH_DOUMA = 70.0
MAX_LONG_WORD_SHARE = 0.10
MIN_WORDS_SCORED = 6
COMMON_RANK = 5000

# Words outside the 5000 most frequent that an A2 reply may use: the subject
# itself (what the resident came for), the names of the helplines and the
# organisation, and the word the assistant asks residents to type.
A2_KNOWN_WORDS = {
    "typ", "postcode", "buurthuis", "opbouwwerker", "opbouwwerkers", "luisterlijn", "trajekt",
    "activiteiten", "eenzaam", "plekken", "status", "voorbeeld",
} | KNOWN_WORDS

# The core replies of issue 18 point 4 (places, activities, toeleiding,
# loneliness, crisis, and the menu that leads there): each must have an A2 variation.
CORE_A2_RESPONSES = {
    "menu": ["utter_greet", "utter_help", "utter_default"],
    "places": ["utter_ask_buurt", "utter_buurt_unknown", "utter_places_in_buurt", "utter_places_nearby",
               "utter_places_more", "utter_places_no_more", "utter_places_none", "utter_places_next",
               "utter_places_next_kinds", "utter_places_distance_note",
               "utter_places_distance_note_location", "utter_places_demo_note",
               "utter_place_facts_missing"],
    "activities": ["utter_activities_found", "utter_activities_none", "utter_activities_nearby",
                   "utter_activities_none_in_buurt", "utter_activities_demo_note"],
    "toeleiding": ["utter_handoff_intro", "utter_handoff_intro_no_time", "utter_handoff_intro_trial",
                   "utter_ask_handoff_consent", "utter_handoff_no_consent", "utter_ask_handoff_reason",
                   "utter_handoff_stored", "utter_handoff_stored_no_time", "utter_handoff_stored_trial"],
    "loneliness": ["utter_loneliness", "utter_loneliness_story"],
    "crisis": ["utter_crisis", "utter_crisis_medical", "utter_crisis_check_in"],
}
HELPLINE_REPLIES = ["utter_crisis", "utter_crisis_medical", "utter_loneliness", "utter_loneliness_story"]
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


def _responses() -> Dict[str, list]:
    return (yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}).get("responses") or {}


def is_a2(variation: dict) -> bool:
    return any(c.get("name") == "reading_level" and c.get("value") == "a2"
               for c in variation.get("condition") or [])


def a2_variants() -> Iterator[Tuple[str, dict, dict]]:
    """(key, the A2 variation, the B1 Dutch variation) for every A2 variation of the domain."""
    for key, variations in _responses().items():
        b1 = variations[0]
        for variation in variations:
            if is_a2(variation):
                yield key, variation, b1


def a2_problems(text: str) -> List[str]:
    found = []
    prepared = prepare(text)
    common = set(common_words()[:COMMON_RANK])
    for sentence in sentences(prepared):
        count = len(_WORD.findall(sentence))
        if count > MAX_SENTENCE_WORDS:
            found.append(f"sentence of {count} words (max {MAX_SENTENCE_WORDS}): {sentence!r}")
    m = measure(text)
    if m["words"] > MAX_MESSAGE_WORDS:
        found.append(f"{m['words']} words (max {MAX_MESSAGE_WORDS})")
    plain = _PLACEHOLDER.sub(" ", text)
    rare = sorted({w for w in (w.lower() for w in _WORD.findall(plain))
                   if w not in common and w not in A2_KNOWN_WORDS and w.replace("'", "") not in common})
    if rare:
        found.append(f"not among the {COMMON_RANK} most common words: {rare}")
    if m["words"] >= MIN_WORDS_SCORED:
        if m["flesch_douma"] < MIN_FLESCH_DOUMA:
            found.append(f"Flesch-Douma {m['flesch_douma']:.0f} (min {MIN_FLESCH_DOUMA:.0f})")
        if m["long_word_share"] > MAX_LONG_WORD_SHARE:
            found.append(f"{m['long_word_share']:.0%} long words {m['long_words']}")
    return found


def placeholders(text: str) -> Set[str]:
    return set(_PLACEHOLDER.findall(text or ""))


def test_every_core_reply_has_an_a2_variation():
    responses = _responses()
    with_a2 = {key for key, _, _ in a2_variants()}
    missing = [f"{area}: {key}" for area, keys in CORE_A2_RESPONSES.items()
               for key in keys if key not in with_a2]
    assert not missing, "core replies without an A2 variation: " + ", ".join(missing)
    assert all(key in responses for keys in CORE_A2_RESPONSES.values() for key in keys)


def test_every_a2_variation_meets_the_a2_bar():
    failures = []
    for key, variation, _ in a2_variants():
        found = a2_problems(variation["text"])
        if found:
            failures.append(f"{key}: {'; '.join(found)}\n    {variation['text']!r}")
    assert not failures, f"{len(failures)} A2 text(s) miss the A2 bar:\n" + "\n".join(failures)


def test_a2_variations_are_dutch_and_only_for_dutch_conversations():
    for key, variation, _ in a2_variants():
        conditions = {c["name"]: c["value"] for c in variation["condition"]}
        assert conditions == {"language": "nl", "reading_level": "a2"}, key


def test_a2_keeps_the_facts_the_b1_text_fills_in():
    for key, variation, b1 in a2_variants():
        assert placeholders(variation["text"]) <= placeholders(b1["text"]), key
        if key in HELPLINE_REPLIES:
            # the helplines exactly: the same numbers, filled from knowledge/data/helplines.yml
            assert placeholders(variation["text"]) == placeholders(b1["text"]), key
            assert not re.search(r"\d", _PLACEHOLDER.sub("", variation["text"])), f"{key}: a typed number"


def test_a2_buttons_lead_where_the_b1_buttons_lead():
    for key, variation, b1 in a2_variants():
        allowed = {b["payload"] for b in b1.get("buttons") or []} | {
            "/find_meeting_place", "/find_activity", "/request_human", "/request_toeleiding",
            '/speak_normal{"reading_level": "b1"}'}
        for button in variation.get("buttons") or []:
            assert button["payload"] in allowed, (key, button)
        if key in ("utter_crisis", "utter_crisis_medical"):
            assert variation["buttons"] == b1["buttons"]


def test_the_a2_bar_is_stricter_than_b1():
    b1_text = ("Bij De Luisterlijn kunt u altijd met iemand praten, ook midden in de nacht "
               "en in het weekend.")  # one sentence of 17 words: B1 allows it on average
    assert any("sentence of" in p for p in a2_problems(b1_text))
    assert any("most common" in p for p in a2_problems("Wij faciliteren laagdrempelige ontmoetingen."))
    assert a2_problems("Waar woont u? Typ de naam van uw buurt.") == []


def test_the_common_word_list_is_the_frequency_list():
    words = common_words()
    assert len(words) == COMMON_RANK and words[:5] == ("de", "van", "het", "een", "en")
    assert all(isinstance(w, str) and w for w in words)


@pytest.mark.parametrize("key", HELPLINE_REPLIES)
def test_the_helpline_replies_have_their_a2_text(key):
    assert any(k == key for k, _, _ in a2_variants())


def test_the_catalogues_a2_texts_meet_the_bar_and_keep_the_helplines():
    """Texts the channel layer says (bot/catalogue.yml) have an A2 key `<key>_a2`
    (crisis_now_a2: a crisis in live contact): the same bar, the same placeholders."""
    from bot.catalogue import CATALOGUE_FILE

    entries = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    a2_keys = [key for key in entries if key.endswith("_a2")]
    assert {"crisis_now_a2", "crisis_now_medical_a2"} <= set(a2_keys)
    for key in a2_keys:
        a2, b1 = entries[key]["nl"], entries[key[:-3]]["nl"]
        assert a2_problems(a2) == [], key
        assert placeholders(a2) == placeholders(b1), key
        assert not re.search(r"\d", _PLACEHOLDER.sub("", a2)), f"{key}: a typed number"
