"""Key replies in the catalogue languages (ar, tr, pl, uk, fa, ti).

What the assistant can do, that it speaks Dutch and English, and the offer of a
person (who arranges an interpreter only when the operator says so). Accepting leads into the handoff
(/request_toeleiding) with the language recorded in the slot
`preferred_language`: the handoff reads it with `handoff_language(tracker)`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings
from actions.safety import count, leave_form
from bot.catalogue import text
from bot.handoff.promises import person_offer_key
from bot.language import ALL_LANGUAGES, CATALOGUE_LANGUAGES, DUTCH, ENGLISH
from bot.safety import helpline_values


def handoff_language(tracker: Tracker) -> Optional[str]:
    """The language to record on a handoff: preferred_language, else the
    conversation language when it is not Dutch; None for Dutch."""
    for slot in ("preferred_language", "language"):
        value = tracker.get_slot(slot)
        if value in ALL_LANGUAGES and value != DUTCH:
            return value
    return None


def key_replies(language: str, interpreter: bool = False) -> List[Dict[str, Any]]:
    """The two messages in `language`: who I am (and 112), then the offer of a person
    (with an interpreter only when the operator set ONTMOET_HANDOFF_INTERPRETER)."""
    values = helpline_values()
    intro = " ".join(
        text(key, language).format(**values)
        for key in ("language_can_do", "language_speaks", "language_danger")
    )
    buttons = [
        {"title": text("language_person_button", language), "payload": "/request_toeleiding"},
        {"title": text("language_english_button", language),
         "payload": '/speak_english{"language": "en"}'},
        {"title": text("language_dutch_button", language),
         "payload": '/speak_dutch{"language": "nl"}'},
    ]
    return [{"text": intro}, {"text": text(person_offer_key(interpreter), language), "buttons": buttons}]


class ActionLanguageReply(Action):
    def name(self) -> Text:
        return "action_language_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        language = tracker.get_slot("language")
        if language not in CATALOGUE_LANGUAGES + (ENGLISH,):
            language = ENGLISH  # unknown language: English is the best bridge
        for message in key_replies(language, interpreter=settings().handoff_interpreter):
            dispatcher.utter_message(**message)
        count("other_language")
        return leave_form(tracker) + [SlotSet("preferred_language", language)]
