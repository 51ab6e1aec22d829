"""Finding a meeting place near the resident (issue 2 slice, grown in issue 4)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import display_name, knowledge_base

logger = logging.getLogger(__name__)

MAX_PLACES_SHOWN = 3


def format_place_line(place, searched_buurt: Optional[str]) -> str:
    """One line of a places list: name, and where it is when not in the buurt."""
    line = f"- {display_name(place.name)}"
    if getattr(place, "is_demo", False):
        line += " (voorbeeld)"
    if searched_buurt and place.buurt != searched_buurt:
        distance = getattr(place, "distance_km", None)
        line += f", {place.buurt}"
        if distance is not None:
            line += f", ongeveer {distance:.1f} km".replace(".", ",")
    return line


class ValidatePlaceSearchForm(FormValidationAction):
    """Resolves what the resident said about where they live to a buurt."""

    def name(self) -> Text:
        return "validate_place_search_form"

    async def extract_buurt(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # A postcode entity, or free text while the form asks for the buurt.
        if tracker.get_slot("buurt"):
            return {}
        postcode = next(tracker.get_latest_entity_values("postcode"), None)
        if postcode:
            return {"buurt": f"postcode:{postcode}"}
        if tracker.get_slot("requested_slot") == "buurt":
            text = (tracker.latest_message.get("text") or "").strip()
            if text and not text.startswith("/"):
                return {"buurt": text}
        return {}

    def validate_buurt(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        kb = knowledge_base()
        text = str(value or "").strip()
        if text.startswith("postcode:"):
            buurten = kb.buurten_for_postcode(text.split(":", 1)[1])
            if len(buurten) == 1:
                return {"buurt": buurten[0], "postcode": text.split(":", 1)[1]}
            if len(buurten) > 1:
                dispatcher.utter_message(
                    response="utter_ask_which_buurt",
                    buttons=[
                        {"title": b, "payload": f'/inform_location{{"buurt": "{b}"}}'}
                        for b in buurten[:10]
                    ],
                )
                return {"buurt": None}
            dispatcher.utter_message(response="utter_buurt_unknown")
            return {"buurt": None}
        match = kb.resolve_buurt(text) if text else None
        if match is None:
            dispatcher.utter_message(response="utter_buurt_unknown")
            return {"buurt": None}
        return {"buurt": match.name}


class ActionFindPlaces(Action):
    """Names the nearest meeting places for the resident's buurt."""

    def name(self) -> Text:
        return "action_find_places"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        buurt = tracker.get_slot("buurt")
        if not buurt:
            dispatcher.utter_message(response="utter_ask_buurt")
            return []
        kb = knowledge_base()
        places = kb.find_places(
            buurt=buurt,
            place_type=tracker.get_slot("place_type"),
            target_group=tracker.get_slot("target_group"),
            limit=MAX_PLACES_SHOWN,
        )
        if not places:
            dispatcher.utter_message(response="utter_places_none", buurt=buurt)
            return []
        lines = "\n".join(format_place_line(p, buurt) for p in places)
        in_buurt = any(p.buurt == buurt for p in places)
        dispatcher.utter_message(
            response="utter_places_in_buurt" if in_buurt else "utter_places_nearby",
            buurt=buurt,
            places=lines,
        )
        if any(getattr(p, "is_demo", False) for p in places):
            dispatcher.utter_message(response="utter_places_demo_note")
        if any(not getattr(p, "address", None) for p in places if not getattr(p, "is_demo", False)):
            dispatcher.utter_message(response="utter_place_facts_missing")
        return []
