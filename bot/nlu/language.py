"""Language detection as an NLU component (bot/language.py does the deciding).

Runs after the classifiers, before bot.nlu.safety.SafetyNet. It adds an entity
`language` (the slot `language` is filled from it) when a message is clearly in
a language (Dutch included, so that a resident who switches back is followed),
or asks for one ("Nederlands graag", "English please"). Short or unclear
messages ("ok", "hoi") add nothing: the language of the conversation stays.
For the catalogue languages (ar, tr, pl, uk, fa, ti) the intent becomes
`other_language`; English keeps its intent (the intents are trained with
English examples) and is answered with the English variations.
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import (
    CATALOGUE_LANGUAGES,
    DUTCH,
    ENGLISH,
    OTHER,
    detect_language,
    explicit_request,
    refused_language,
    requested_other_language,
    warm_up,
)
from bot.nlu.rule_component import RuleComponent
from bot.nlu.safety import force_intent

LANGUAGE_ENTITY = "language"
OTHER_LANGUAGE_INTENT = "other_language"
SWITCH_INTENTS = {DUTCH: "speak_dutch", ENGLISH: "speak_english"}


def add_language_entity(message: Message, code: str) -> None:
    text = message.get(TEXT) or ""
    entities = [e for e in (message.get(ENTITIES) or []) if e.get("entity") != LANGUAGE_ENTITY]
    entities.append({
        "entity": LANGUAGE_ENTITY, "value": code, "start": 0, "end": len(text),
        "confidence_entity": 1.0, "extractor": "LanguageDetector",
    })
    message.set(ENTITIES, entities, add_to_output=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class LanguageDetector(RuleComponent):
    @classmethod
    def on_load(cls) -> None:
        warm_up()  # when the model loads, so the first resident does not wait

    @staticmethod
    def process_one(message: Message) -> Optional[str]:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/"):
            return None
        requested = explicit_request(text) or refused_language(text)
        if requested:
            force_intent(message, SWITCH_INTENTS[requested], keep_entities=False)
            add_language_entity(message, requested)
            return requested
        other = requested_other_language(text)
        if other:  # "spreek je turks", "do you speak farsi", "andere taal graag"
            force_intent(message, OTHER_LANGUAGE_INTENT, keep_entities=False)
            if other != OTHER:
                add_language_entity(message, other)
            return other
        code = detect_language(text)
        if code in CATALOGUE_LANGUAGES:
            force_intent(message, OTHER_LANGUAGE_INTENT, keep_entities=False)
            add_language_entity(message, code)
        elif code in (ENGLISH, DUTCH):
            # a resident who switches language is followed: a clearly Dutch
            # message after English turns the conversation back to Dutch
            add_language_entity(message, code)
        return code
