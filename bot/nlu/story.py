"""Long and multi-part messages: read a resident's story clause by clause.

Residents do not write one question per message. A widow writes: "Mijn man is
vorig jaar overleden. Sindsdien ben ik veel alleen. Ik woon in
Wittevrouwenveld en loop niet zo goed. Is er iets in de buurt waar ik koffie
kan drinken?" The classifier, trained on short sentences, sees one long text
and is unsure; the story has a feeling (loneliness), a buurt and a question
(a place).

`split_clauses` cuts a text into sentences, and long sentences without
punctuation (spoken style) at commas and conjunctions. The service parses each
clause with the same NLU model (bot/rasa_compat.py wraps Rasa's parse) and
`merge_parses` makes one parse of them:

* the intent is the most pressing one that a clause or the whole text shows
  with confidence (PRIORITY: crisis first, then a wish for a person, then
  loneliness (warmth before facts), then the concrete questions);
* the entities of the whole text, plus those found only in a clause (offsets
  moved to the whole text);
* `story`: the intents of the clauses in order, for the actions that answer
  several things in one reply (actions/safety.py: warmth, then the places).

Plain Python without Rasa types; tested in tests/test_nlu_story.py.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

# The most pressing first. Intents not listed (greet, thank, affirm, ...) only
# count when nothing else is understood.
PRIORITY: Tuple[str, ...] = (
    "crisis",
    "crisis_check",  # the safety net's kind question (bot/nlu/safety.py)
    "request_human",
    "request_toeleiding",
    "delete_my_data",
    "express_loneliness",
    "find_activity",
    "find_meeting_place",
    "ask_place_details",
    "start_initiative",
    "ask_subsidy",
    "volunteer",
    "board_support",
    "handoff_status",
    "cancel_request",
    "privacy_info",
    "inform_location",
)
FALLBACK = "nlu_fallback"
# The concrete questions (after loneliness). Among them a story's own question
# ("... Weet u hoe laat ze open zijn?") is what the resident asks: a clause that
# ends with "?" wins over a statement before it ("Ze zegt dat er op dinsdag iets
# leuks is" reads as find_activity). Tuned on long_stories_9/10 (2026-12-04).
CONCRETE: Tuple[str, ...] = PRIORITY[PRIORITY.index("find_activity"):]
MIN_CONFIDENCE = 0.6  # a clause's intent counts from this confidence
# The crisis safety net (bot/safety.py, on the whole text) always counts; the
# classifier's own crisis guess only when it is nearly sure: a clause such as
# "ik loop niet zo goed meer" must not turn a widow's story into a crisis reply.
CRISIS_CONFIDENCE = 0.9
MAX_CLAUSES = 8
LONG_CLAUSE_WORDS = 12  # a sentence longer than this is cut at commas and conjunctions
MIN_PART_WORDS = 3

_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n+")
# commas; "maar", "want", "omdat" ...; "en" only where a new clause starts
# ("en ik ken niemand", not "kaarten en praten")
_SOFT_BREAK = re.compile(
    r",\s+|\s+(?=(?:maar|want|omdat|dus|daarom|but|because|so)\s)"
    r"|\s+(?=(?:en|and)\s+(?:ik|mijn|we|wij|er|het|dat|nu|sinds|i|my|there|now)\b)", re.IGNORECASE)

Span = Tuple[int, int]


def _words(text: str) -> int:
    return len(text.split())


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and (text[start].isspace() or text[start] in ",-"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _soft_split(text: str, start: int, end: int) -> List[Span]:
    """A long spoken sentence cut at commas and conjunctions (parts of at
    least MIN_PART_WORDS words; a short part stays with the one before)."""
    parts: List[Span] = []
    cursor = start
    for match in _SOFT_BREAK.finditer(text, start, end):
        piece = _trim(text, cursor, match.start())
        rest = _trim(text, match.end(), end)
        if (
            _words(text[piece[0] : piece[1]]) >= MIN_PART_WORDS
            and _words(text[rest[0] : rest[1]]) >= MIN_PART_WORDS
        ):
            parts.append(piece)
            cursor = match.end()
    parts.append(_trim(text, cursor, end))
    return [p for p in parts if p[1] > p[0]]


def split_clauses(text: str) -> List[Span]:
    """(start, end) offsets of the clauses of a text, in order (at most MAX_CLAUSES)."""
    spans: List[Span] = []
    cursor = 0
    for match in list(_SENTENCE_END.finditer(text)) + [None]:
        stop = match.start() if match else len(text)
        start, end = _trim(text, cursor, stop if not match else match.end())
        if match:
            cursor = match.end()
        if end <= start or not re.search(r"\w", text[start:end]):
            continue
        if _words(text[start:end]) > LONG_CLAUSE_WORDS:
            spans.extend(_soft_split(text, start, end))
        else:
            spans.append((start, end))
    return spans[:MAX_CLAUSES]


def is_story(text: str) -> bool:
    """Several clauses, and not a button payload or Rasa syntax."""
    return bool(text) and not text.startswith("/") and len(split_clauses(text)) >= 2


def _intent(parse: Dict[str, Any]) -> Tuple[str, float]:
    intent = parse.get("intent") or {}
    return intent.get("name") or FALLBACK, float(intent.get("confidence") or 0.0)


def merge_parses(whole: Dict[str, Any], clauses: Sequence[Tuple[Span, Dict[str, Any]]]) -> Dict[str, Any]:
    """One parse for a story from the whole text's parse and each clause's.

    A crisis found by the safety net on the whole text is never overruled."""
    merged = dict(whole)
    story = [_intent(parse)[0] for _, parse in clauses]
    merged["story"] = story
    if (whole.get("safety_net") or "") == "crisis":
        return merged
    candidates: List[Tuple[str, float]] = []
    asked: List[Tuple[str, float]] = []  # the concrete questions of clauses that end with "?"
    for parse, floor in [(whole, 0.0)] + [(parse, MIN_CONFIDENCE) for _, parse in clauses]:
        name, confidence = _intent(parse)
        if name == FALLBACK or confidence < floor:
            continue
        if name == "crisis" and confidence < CRISIS_CONFIDENCE and parse.get("safety_net") != "crisis":
            continue
        candidates.append((name, confidence))
        if parse is not whole and name in CONCRETE and str(parse.get("text") or "").rstrip().endswith("?"):
            asked.append((name, confidence))
    best = _most_pressing(candidates)
    if best is not None and best[0] in CONCRETE and asked:
        best = _most_pressing(asked)
    if best is None:
        return merged
    name = best[0]
    confidence = max(c[1] for c in candidates if c[0] == name)
    ranking = [r for r in (whole.get("intent_ranking") or []) if r.get("name") != name]
    merged["intent"] = {"name": name, "confidence": confidence}
    merged["intent_ranking"] = [{"name": name, "confidence": confidence}] + ranking[:9]
    merged["entities"] = _merge_entities(whole, clauses)
    if name == "crisis_check":  # "Nee" answers the story as it would have been answered
        answer = _most_pressing([c for c in candidates if c[0] != name])
        merged["safety_net"] = "check_in"
        merged["safety_check"] = {"intent": answer[0] if answer else FALLBACK,
                                  "entities": [{"entity": e.get("entity"), "value": e.get("value")}
                                               for e in merged["entities"]]}
    return merged


def _most_pressing(candidates: List[Tuple[str, float]]) -> Optional[Tuple[str, float]]:
    ranked = [c for c in candidates if c[0] in PRIORITY]
    if ranked:
        return min(ranked, key=lambda c: (PRIORITY.index(c[0]), -c[1]))
    return max(candidates, key=lambda c: c[1]) if candidates else None


def _merge_entities(whole: Dict[str, Any], clauses: Sequence[Tuple[Span, Dict[str, Any]]]) -> List[dict]:
    entities = [dict(e) for e in whole.get("entities") or []]
    seen = {(e.get("entity"), str(e.get("value"))) for e in entities}
    for (start, _), parse in clauses:
        for entity in parse.get("entities") or []:
            key = (entity.get("entity"), str(entity.get("value")))
            if key in seen:
                continue
            seen.add(key)
            moved = dict(entity)
            if isinstance(moved.get("start"), int) and isinstance(moved.get("end"), int):
                moved["start"] += start
                moved["end"] += start
            entities.append(moved)
    return entities


# --------------------------------------------------------------------------- follow-ups
# A short "en ..." after an answer asks the same kind of question again with one
# thing changed: "en op donderdag?" after activities, "en in Heer?" after places.
FOLLOW_UPS = {
    "action_find_activities": "find_activity",
    "action_find_places": "find_meeting_place",
    "action_more_places": "find_meeting_place",
    "action_place_details": "ask_place_details",
}
_FOLLOW_UP = re.compile(r"^\s*(?:en|and|ook|also|en hoe zit het met)\b", re.IGNORECASE)
FOLLOW_UP_MAX_WORDS = 6


def follow_up(parse: Dict[str, Any], last_answer: str) -> Dict[str, Any]:
    """The parse of a short follow-up ("en op donderdag?") as the question that
    `last_answer` (the assistant's last answering action) answered; other parses
    unchanged. A crisis or a way out is never turned into a follow-up."""
    text = parse.get("text") or ""
    intent = FOLLOW_UPS.get(last_answer)
    name, _ = _intent(parse)
    if (intent is None or not _FOLLOW_UP.match(text) or _words(text) > FOLLOW_UP_MAX_WORDS
            or parse.get("safety_net") or name in {"crisis", "start_over", "help"}):
        return parse
    followed = dict(parse)
    ranking = [r for r in (parse.get("intent_ranking") or []) if r.get("name") != intent]
    followed["intent"] = {"name": intent, "confidence": 1.0}
    followed["intent_ranking"] = [{"name": intent, "confidence": 1.0}] + ranking[:9]
    followed["follow_up"] = last_answer
    return followed


def last_answer(action_names: Sequence[str]) -> str:
    """The assistant's last answering action in a list of executed action names
    (oldest first): the last one that is not listening, slot extraction or a
    plain response."""
    for name in reversed(action_names):
        if name in {"action_listen", "action_extract_slots", "action_session_start"} or name.startswith(
            "utter_"
        ):
            continue
        return name
    return ""
