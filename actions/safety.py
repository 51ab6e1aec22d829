"""Safeguarding actions: disclosure at the start, crisis, loneliness, way out.

Texts are domain responses (domain.yml, safety sections); helpline numbers come from
knowledge/data/helplines.yml through bot.safety.helpline_values().
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import settings
from bot.language import response_variant
from bot.safety import crisis_response, helpline_values, record_event

logger = logging.getLogger(__name__)

# slots that belong to the conversation, not to a form: kept by start_over
KEEP_SLOTS = {"language", "preferred_language"}


def count(kind: str) -> None:
    """Count a safety event for review; never fails the conversation."""
    try:
        record_event(kind, settings().var_dir)
    except Exception:  # pragma: no cover - a full disk must not silence the reply
        logger.exception("could not count safety event %s", kind)


def leave_form(tracker: Tracker) -> List[EventType]:
    """Events that set a form in progress aside (none when no form is active)."""
    if tracker.active_loop_name:
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
    return []


def form_slots(domain: Dict[Text, Any]) -> List[str]:
    """Every slot a form of the domain asks for."""
    names: List[str] = []
    for form in (domain.get("forms") or {}).values():
        required = (form or {}).get("required_slots") or []
        if isinstance(required, dict):  # older domain format
            required = list(required)
        names.extend(required)
    return sorted(set(names) - KEEP_SLOTS)


async def tell_opbouwwerker(resident_key: str) -> None:
    """A resident with an open (or recently closed) request wrote a crisis
    message: the service tells their opbouwwerker (HandoffQueue.flag_crisis).
    Never fails the reply."""
    try:
        from actions.handoff import handoff_runtime

        await handoff_runtime().queue_async.flag_crisis(resident_key)
    except Exception:
        logger.exception("flagging a crisis for the opbouwwerker failed")


class ActionCrisis(Action):
    """113 and 112 at once, a form set aside, the event counted (no personal data).

    A medical emergency found by the safety net (`safety_kind` in the parse,
    bot/nlu/safety.py) gets 112 first (utter_crisis_medical); any other crisis,
    and a crisis by the classifier alone, utter_crisis (bot.safety.crisis_response)."""

    def name(self) -> Text:
        return "action_crisis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        latest = tracker.latest_message or {}
        by_net = latest.get("safety_net") == "crisis"
        kind = latest.get("safety_kind") if by_net else None
        dispatcher.utter_message(response=crisis_response(kind), **helpline_values())
        count("crisis_keyword" if by_net else "crisis")
        await tell_opbouwwerker(tracker.sender_id)
        return leave_form(tracker)


def original_payload(parse: Dict[str, Any]) -> str:
    """The resident's own message as a payload (`/intent{"entity": "value"}`),
    from what the safety net kept of it (bot/nlu/safety.py, `safety_check`)."""
    original = parse.get("safety_check") or {}
    intent = original.get("intent") or "nlu_fallback"
    entities = {e["entity"]: e["value"] for e in original.get("entities") or []
                if e.get("entity") and e.get("value") is not None}
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def with_payload(variant: Dict[str, Any], payload: str) -> List[Dict[str, Any]]:
    """The variant's buttons, the answer that means 'no' (/deny) sent as `payload`."""
    return [{**button, "payload": payload} if button.get("payload") == "/deny" else dict(button)
            for button in variant.get("buttons") or []]


class ActionCrisisCheckIn(Action):
    """The safety net was not sure (bot/safety.py CHECK_IN): ask kindly.

    "Ja" gives the crisis reply; "Nee" sends the resident's own message again
    as a payload, so it gets its usual answer. A form in progress is set aside
    by the rules (dialogue/safety.yml). Counted without personal data."""

    def name(self) -> Text:
        return "action_crisis_check_in"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        payload = original_payload(tracker.latest_message or {})
        variant = response_variant(domain, "utter_crisis_check_in", tracker.get_slot("language"),
                                   tracker.get_slot("reading_level"))
        dispatcher.utter_message(text=variant.get("text", ""), buttons=with_payload(variant, payload))
        count("crisis_check_in")
        return leave_form(tracker) + [SlotSet("crisis_check_payload", payload)]


class ActionCrisisCheckNo(Action):
    """"nee" typed after the check-in: thanks, and one button back to the question."""

    def name(self) -> Text:
        return "action_crisis_check_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        payload = tracker.get_slot("crisis_check_payload") or "/nlu_fallback"
        variant = response_variant(domain, "utter_crisis_check_no", tracker.get_slot("language"))
        dispatcher.utter_message(text=variant.get("text", ""), buttons=with_payload(variant, payload))
        return [SlotSet("crisis_check_payload", None)]


# A story (bot/nlu/story.py) that also asks for a place or an activity
STORY_PLACE_INTENTS = {"find_meeting_place", "find_activity", "ask_place_details"}


class ActionLoneliness(Action):
    """Warmth, De Luisterlijn, then a place nearby or a person.

    When the resident's story also asked for a place and the buurt is known
    ("... ik woon in Wittevrouwenveld ... waar kan ik koffie drinken?"), the
    places follow in the same reply: warmth first, then the facts."""

    def name(self) -> Text:
        return "action_loneliness"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        from actions.places import ActionFindPlaces

        count("loneliness")
        story = set((tracker.latest_message or {}).get("story") or [])
        if story & STORY_PLACE_INTENTS and tracker.get_slot("buurt"):
            dispatcher.utter_message(response="utter_loneliness_story", **helpline_values())
            return leave_form(tracker) + ActionFindPlaces().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_loneliness", **helpline_values())
        return leave_form(tracker)


class ActionStartOver(Action):
    """menu / opnieuw / stop: leave any form, forget its answers, show the menu."""

    def name(self) -> Text:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events = leave_form(tracker)
        events.extend(SlotSet(name, None) for name in form_slots(domain)
                      if tracker.get_slot(name) is not None)
        dispatcher.utter_message(response="utter_start_over")
        return events
