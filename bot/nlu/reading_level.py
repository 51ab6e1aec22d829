"""Reading level as an NLU component (bot/reading_level.py does the deciding).

Runs last, after bot.nlu.safety.SafetyNet. It adds an entity `reading_level`
(the slot `reading_level` is filled from it):
- "makkelijker", "ik begrijp het niet" -> a2, and the intent `speak_simpler`;
  "normaal", "gewone taal" -> b1, and the intent `speak_normal`; never over a
  crisis (the SafetyNet's intent stays);
- a message that looks like learner Dutch -> a2, the intent unchanged (the
  resident gets the answer to their question, in simpler Dutch).
Only Dutch conversations: a message the LanguageDetector found to be in
another language adds nothing here.
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import DUTCH
from bot.nlu.rule_component import RuleComponent
from bot.nlu.safety import force_intent
from bot.reading_level import A2, B1, dutch_word_forms, explicit_request, looks_like_learner_dutch

READING_LEVEL_ENTITY = "reading_level"
SWITCH_INTENTS = {A2: "speak_simpler", B1: "speak_normal"}
# intents the reading level never overrides
KEEP_INTENTS = {"crisis", "crisis_check", "start_over"}
NAME_ENTITIES = {"buurt", "place"}


def add_reading_level_entity(message: Message, level: str) -> None:
    text = message.get(TEXT) or ""
    entities = [e for e in (message.get(ENTITIES) or []) if e.get("entity") != READING_LEVEL_ENTITY]
    entities.append({
        "entity": READING_LEVEL_ENTITY, "value": level, "start": 0, "end": len(text),
        "confidence_entity": 1.0, "extractor": "ReadingLevelDetector",
    })
    message.set(ENTITIES, entities, add_to_output=True)


def _other_language(message: Message) -> bool:
    return any(e.get("entity") == "language" and e.get("value") != DUTCH
               for e in message.get(ENTITIES) or [])


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ReadingLevelDetector(RuleComponent):
    @classmethod
    def on_load(cls) -> None:
        dutch_word_forms()  # load the word forms now, not on the first message

    @staticmethod
    def process_one(message: Message) -> Optional[str]:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/") or _other_language(message):
            return None
        intent = (message.get(INTENT) or {}).get("name")
        requested = explicit_request(text)
        if requested:
            if intent not in KEEP_INTENTS:
                force_intent(message, SWITCH_INTENTS[requested], keep_entities=False)
            add_reading_level_entity(message, requested)
            return requested
        # names the gazetteer found (a buurt, a place) are no spelling errors
        names = frozenset(
            word.lower() for e in message.get(ENTITIES) or []
            if e.get("entity") in NAME_ENTITIES
            and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
            for word in text[e["start"]:e["end"]].split())
        if looks_like_learner_dutch(text, names):
            add_reading_level_entity(message, A2)
            return A2
        return None
