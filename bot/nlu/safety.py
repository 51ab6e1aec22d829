"""The crisis keyword safety net and the way-out commands, as an NLU component.

It runs LAST in the pipeline (after the classifiers and the FallbackClassifier),
so a misclassification cannot hide a crisis: when bot.safety.is_crisis matches,
the intent becomes `crisis` with confidence 1.0 and the entities are dropped
(a buurt in the same message must not let a form carry on); a medical
emergency also gets `safety_kind: medical` in the parse (bot.safety.crisis_kind),
so action_crisis answers with 112 first (utter_crisis_medical). When the net is
not sure (bot.safety CHECK_IN: "ik heb pillen", "alles is zinloos") and the
classifier did not say crisis, the intent becomes `crisis_check` (a kind
question, actions/safety.py) and the classifier's intent and entities are kept
in `safety_check`, so "Nee" can answer the message as usual. A message that is
only "opnieuw", "stop" or "terug naar het menu" becomes `start_over`, only
"help" or "menu" becomes `help`, whatever the classifier thought. The other way round only for idioms:
a classifier's `crisis` on "ik ga dood van het lachen" (no crisis phrase)
becomes `nlu_fallback` ("sorry, dat begreep ik niet").
"""
from __future__ import annotations

from typing import Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent
from bot.safety import (
    CHECK_IN,
    CHECK_IN_INTENT,
    CRISIS,
    CRISIS_INTENT,
    assess,
    crisis_kind,
    is_idiom,
    way_out_intent,
)

FALLBACK_INTENT = "nlu_fallback"


def force_intent(message: Message, name: str, keep_entities: bool = True) -> None:
    """Set `name` as the intent with confidence 1.0, the old top intents below it."""
    ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != name]
    message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}] + ranking[:9],
                add_to_output=True)
    if not keep_entities:
        message.set(ENTITIES, [], add_to_output=True)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class SafetyNet(RuleComponent):
    """Crisis phrases and way-out commands override the classifier."""

    @staticmethod
    def process_one(message: Message) -> Optional[str]:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/"):
            return None
        signal = assess(text)
        intent = (message.get(INTENT) or {}).get("name")
        if signal.level == CRISIS:
            force_intent(message, CRISIS_INTENT, keep_entities=False)
            message.set("safety_net", "crisis", add_to_output=True)
            kind = crisis_kind(signal)
            if kind:  # which crisis reply (actions/safety.py ActionCrisis)
                message.set("safety_kind", kind, add_to_output=True)
            return CRISIS_INTENT
        if signal.level == CHECK_IN and intent != CRISIS_INTENT and not way_out_intent(text):
            entities = [{"entity": e.get("entity"), "value": e.get("value")}
                        for e in message.get(ENTITIES) or [] if e.get("entity")]
            message.set("safety_check", {"intent": intent, "entities": entities}, add_to_output=True)
            force_intent(message, CHECK_IN_INTENT, keep_entities=False)
            message.set("safety_net", CHECK_IN, add_to_output=True)
            return CHECK_IN_INTENT
        if intent == CRISIS_INTENT and is_idiom(text):
            # "ik ga dood van het lachen": no crisis phrase, only an idiom
            ranking = [r for r in (message.get(INTENT_RANKING_KEY) or [])
                       if r.get("name") != CRISIS_INTENT]
            message.set(INTENT, {"name": FALLBACK_INTENT, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            return FALLBACK_INTENT
        command = way_out_intent(text)
        if command:
            force_intent(message, command, keep_entities=False)
            return command
        return None
