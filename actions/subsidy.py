"""Kracht van de Samenleving step by step (texts and sources in knowledge/data/subsidy.yml)."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import knowledge_base

# which topic of subsidy.yml answers a question (patterns on the resident's words)
TOPIC_PATTERNS = (
    ("for_whom", r"\bwie\b|voor wie|mag ik|mogen wij|vereniging|stichting|who can|apply"),
    ("budget", r"hoeveel|bedrag|geld|budget|euro|how much|money|vergoed|kosten"),
    ("one_per_buurt", r"tweede|nog een|meerdere|twee huiskamers"),
    ("replaces", r"oude regeling|vorige regeling|vervang|vrijwillige inzet"),
)
# questions whose answer is a step (deadline, documents, how to apply)
STEP_PATTERNS = (
    (5, r"deadline|sluitingsdatum|tot wanneer|wanneer moet|indienen|waar moet ik"),
    (6, r"hoe lang duurt|beslis"),
    (4, r"papieren|documenten|voorwaarden|organisatie"),
)


def topic_for(text: str) -> Optional[str]:
    lowered = (text or "").lower()
    for key, pattern in TOPIC_PATTERNS:
        if re.search(pattern, lowered):
            return key
    return None


def step_for(text: str) -> Optional[int]:
    lowered = (text or "").lower()
    for order, pattern in STEP_PATTERNS:
        if re.search(pattern, lowered):
            return order
    return None


def utter_step(dispatcher: CollectingDispatcher, subsidy, order: int) -> None:
    step = next((s for s in subsidy.steps if s.order == order), None)
    if step is None:
        return
    dispatcher.utter_message(response="utter_subsidy_step", step=order,
                             total=len(subsidy.steps), content=step.text)
    if not step.confirmed:
        dispatcher.utter_message(response="utter_subsidy_check", check_with=subsidy.check_with)


class ActionSubsidyInfo(Action):
    """Answers a question about the subsidy; offers the steps and help."""

    def name(self) -> Text:
        return "action_subsidy_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[Dict[Text, Any]]:
        subsidy = knowledge_base().subsidy()
        text = tracker.latest_message.get("text") or ""
        order = step_for(text)
        if order is not None:
            utter_step(dispatcher, subsidy, order)
            dispatcher.utter_message(response="utter_subsidy_step_buttons")
            return [SlotSet("subsidy_step", float(order))]
        topic = subsidy.topic(topic_for(text) or "what") or subsidy.topic("what")
        if topic is not None:
            dispatcher.utter_message(response="utter_subsidy_topic", content=topic.text)
            if not topic.confirmed:
                dispatcher.utter_message(response="utter_subsidy_check", check_with=subsidy.check_with)
        return [SlotSet("subsidy_step", 0.0)]


class ActionSubsidyStep(Action):
    """One step a message, with "volgende stap" and "hulp bij de aanvraag"."""

    def name(self) -> Text:
        return "action_subsidy_step"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[Dict[Text, Any]]:
        subsidy = knowledge_base().subsidy()
        order = int(tracker.get_slot("subsidy_step") or 0) + 1
        if order > len(subsidy.steps):
            dispatcher.utter_message(response="utter_subsidy_steps_done")
            return [SlotSet("subsidy_step", 0.0)]
        utter_step(dispatcher, subsidy, order)
        if order == len(subsidy.steps):
            dispatcher.utter_message(response="utter_subsidy_steps_done")
            return [SlotSet("subsidy_step", 0.0)]
        dispatcher.utter_message(response="utter_subsidy_step_buttons")
        return [SlotSet("subsidy_step", float(order))]
