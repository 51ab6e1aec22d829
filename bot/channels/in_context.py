"""Is the resident answering the opbouwwerker, or asking the assistant something new?

An opbouwwerker wrote to a resident ("Zullen we donderdagmiddag samen wandelen?")
and the resident writes back in the same chat ("Ja graag, donderdag om 14 uur is
goed!"). Rasa would try to read that as a question for the assistant. The channel
layer (bot/channels/live.py) asks `decide` first, with the NLU's result for the
text and a few plain signals:

* a crisis message always goes to the assistant (the helplines come first);
* a way out ("opnieuw", "stop", "menu", "annuleer", status, privacy) goes to the
  assistant;
* yes / no / thanks at the start, or time words ("donderdag", "om 14 uur") make
  it an answer;
* a clear new question ("waar is een huiskamer in Heer?": a question word and a
  place, a word for a place or the subsidy, or an intent about them; or a
  confident intent about places, activities or the subsidy with a place named)
  goes to the assistant;
* anything else while a request is open answers the opbouwwerker. After a close
  (the follow-up time) only a message about the request does: it names the
  person or the contact ("kunt u haar een bericht sturen?"), asks for a person,
  or is one of the answer signals above.

Plain Python on the parse dict Rasa returns (`Agent.parse_message`); no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

ANSWER = "answer"  # to the opbouwwerker: timeline and notification
ASSISTANT = "assistant"  # to Rasa, as any other message

# intents that are a way out or about the assistant itself: never an answer
WAY_OUT_INTENTS = frozenset({
    "start_over", "help", "cancel_request", "delete_my_data", "handoff_status",
    "privacy_info", "bot_challenge", "speak_dutch", "speak_english", "other_language",
    "speak_simpler", "speak_normal",
    "crisis",
})
# intents of a new question for the assistant
TOPIC_INTENTS = frozenset({
    "find_meeting_place", "find_activity", "ask_place_details", "more_places",
    "share_location", "inform_location", "ask_subsidy", "next_step",
    "start_initiative", "volunteer", "board_support",
})
# intents that mean "I want my person": after a close, to the opbouwwerker
PERSON_INTENTS = frozenset({"request_human", "request_toeleiding", "inform_handoff"})
PLACE_ENTITIES = frozenset({"buurt", "postcode", "place_type", "place", "target_group"})
CONFIDENT = 0.8

_WAY_OUT_TEXT = re.compile(
    r"^\s*(opnieuw|stop|stoppen|menu|help|annuleer|annuleren|start|restart|cancel)\s*[.!]*\s*$",
    re.IGNORECASE)
_YES_NO = re.compile(
    r"^\s*(ja|jawel|jazeker|ja graag|graag|nee|neen|nee hoor|nee dank|oke|oké|ok|okay|prima|"
    r"goed|goedzo|top|fijn|leuk|perfect|akkoord|afgesproken|dank|dankjewel|dank je|dank u|"
    r"bedankt|merci|yes|no|sure|fine|great|thanks|thank you)\b",
    re.IGNORECASE)
_TIME = re.compile(
    r"\b(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|vandaag|morgen|overmorgen|"
    r"volgende week|vanmiddag|vanavond|vanochtend|ochtend|middag|avond|\d{1,2}[:.]\d{2}|"
    r"om \d{1,2}|\d{1,2} uur|uur|half \w+|kwart \w+|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|tomorrow|today|o'clock|\d{1,2} ?(am|pm))\b",
    re.IGNORECASE)
_NEW_QUESTION_START = re.compile(
    r"^\s*(waar|wat is|wat zijn|welke|is er|zijn er|heeft u een lijst|hoe vind|"
    r"where|what is|what are|which|is there|are there)\b",
    re.IGNORECASE)
# words of a question about a place, an activity or the subsidy
_PLACE_WORDS = re.compile(
    r"\b(huiskamers?|buurthuis|buurthuizen|gemeenschapshuis|gemeenschapshuizen|"
    r"ontmoetingsplek\w*|plek|plekken|plaats|restaurant\w*|activiteit\w*|koffieochtend\w*|"
    r"subsidie|kracht van de samenleving|place|places|activity|activities)\b",
    re.IGNORECASE)
# words that name the opbouwwerker or the contact with them
_ABOUT_THE_REQUEST = re.compile(
    r"\b(haar|hem|zij|hij|opbouwwerker|opbouwwerkster|bericht|afspraak|bellen|gebeld|"
    r"terugbellen|contact|gesprek|wandelen|wandeling|samen|community worker|message|"
    r"appointment|call)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    route: str  # ANSWER or ASSISTANT
    reason: str  # for the log and the tests: which rule decided


def _intent(parse: Optional[Dict[str, Any]]) -> "tuple[Optional[str], float]":
    intent = (parse or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def _names_a_place(parse: Optional[Dict[str, Any]]) -> bool:
    return any(e.get("entity") in PLACE_ENTITIES for e in (parse or {}).get("entities") or ())


def decide(text: str, parse: Optional[Dict[str, Any]], after_close: bool = False) -> Decision:
    """ANSWER (to the opbouwwerker) or ASSISTANT, for a resident whose request has
    a message from an opbouwwerker as its last step (after_close: the request was
    closed a short while ago). `parse`: Rasa's parse of `text`, or None."""
    from bot.safety import is_crisis

    text = text or ""
    intent, confidence = _intent(parse)
    if is_crisis(text) or intent == "crisis":
        return Decision(ASSISTANT, "crisis")
    if _WAY_OUT_TEXT.match(text) or (intent in WAY_OUT_INTENTS and confidence >= CONFIDENT):
        return Decision(ASSISTANT, "way_out")
    if _YES_NO.match(text):
        return Decision(ANSWER, "yes_no")
    topic = intent in TOPIC_INTENTS and confidence >= 0.6
    if _NEW_QUESTION_START.match(text) and (_names_a_place(parse) or topic
                                            or _PLACE_WORDS.search(text)):
        return Decision(ASSISTANT, "new_question")
    if _TIME.search(text):
        return Decision(ANSWER, "time")
    if intent in TOPIC_INTENTS and confidence >= CONFIDENT and _names_a_place(parse):
        return Decision(ASSISTANT, "new_question")
    if intent in PERSON_INTENTS or _ABOUT_THE_REQUEST.search(text):
        return Decision(ANSWER, "about_the_request")
    if after_close:
        return Decision(ASSISTANT, "not_about_the_request")
    if intent in TOPIC_INTENTS and confidence >= CONFIDENT:
        return Decision(ASSISTANT, "new_question")
    return Decision(ANSWER, "in_conversation")


__all__ = ["ANSWER", "ASSISTANT", "Decision", "decide"]
