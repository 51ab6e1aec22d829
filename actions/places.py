"""Finding a meeting place near the resident (issue 2 slice, grown in issue 4)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import display_name, knowledge_base, response_text

logger = logging.getLogger(__name__)

MAX_PLACES_SHOWN = 3
# Asking the kind of place helps only when the places near the resident are of
# different kinds and some kind is not among the three shown: then a button
# per kind (the nearest REFINE_WINDOW places, at most MAX_TYPE_BUTTONS kinds).
REFINE_WINDOW = 9
MAX_TYPE_BUTTONS = 3
# intents whose text may be a buurt name when the form asks for one
FREE_TEXT_INTENTS = {"inform_location", "find_meeting_place", "nlu_fallback", "affirm", None}


def format_km(distance: float) -> str:
    """A distance as said: one decimal, Dutch comma ("1,2"); never more precise."""
    return f"{max(distance, 0.1):.1f}".replace(".", ",")


def format_place_line(place, searched_buurt: Optional[str], domain=None, lang: Optional[str] = None) -> str:
    """One line of a places list: name, and where it is when not in the buurt.

    A distance is said as what it is: "ongeveer", in a straight line from the
    middle of the buurt (or the shared location), never as a walking route; the
    note utter_places_distance_note after the list says so."""
    name = display_name(place.name)
    if getattr(place, "is_demo", False):
        name += " (voorbeeld)"
    if not searched_buurt or place.buurt == searched_buurt:
        return f"- {name}"
    distance = getattr(place, "distance_km", None)
    if distance is None:
        return f"- {name}, {place.buurt}"
    return response_text(domain, "utter_place_line_distance", lang=lang, name=name, buurt=place.buurt,
                         km=format_km(distance)) or f"- {name}, {place.buurt}"


def distance_note(tracker: Tracker, places, buurt: Optional[str]) -> Optional[str]:
    """The response that says how a distance in the list was measured; None without one."""
    if not any(p.buurt != buurt and getattr(p, "distance_km", None) is not None for p in places):
        return None
    if tracker.get_slot("lat") is not None and tracker.get_slot("lon") is not None:
        return "utter_places_distance_note_location"
    return "utter_places_distance_note"


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
        lat = next(tracker.get_latest_entity_values("lat"), None)
        lon = next(tracker.get_latest_entity_values("lon"), None)
        if lat is not None and lon is not None:
            return {"buurt": f"location:{lat},{lon}"}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("requested_slot") == "buurt" and intent == "share_location":
            dispatcher.utter_message(response="utter_location_not_received")
            return {"buurt": None}
        # free text while the form asks for the buurt, unless the resident
        # changed the subject (then the form steps aside for that question)
        if tracker.get_slot("requested_slot") == "buurt" and intent in FREE_TEXT_INTENTS:
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
        if text.startswith("location:"):
            lat: Optional[float]
            lon: Optional[float]
            try:
                lat, lon = (float(x) for x in text.split(":", 1)[1].split(","))
            except ValueError:
                lat = lon = None
            nearest = kb.nearest_buurt(lat, lon) if lat is not None and lon is not None else None
            if nearest is None:
                dispatcher.utter_message(response="utter_location_not_received")
                return {"buurt": None}
            return {"buurt": nearest.name, "lat": lat, "lon": lon}
        if text.startswith("postcode:"):
            buurten = kb.buurten_for_postcode(text.split(":", 1)[1])
            if len(buurten) == 1:
                return {"buurt": buurten[0], "postcode": text.split(":", 1)[1]}
            if len(buurten) > 1:
                dispatcher.utter_message(response="utter_ask_which_buurt", buttons=buurt_buttons(buurten))
                return {"buurt": None}
            dispatcher.utter_message(response="utter_buurt_unknown")
            return {"buurt": None}
        match = kb.resolve_buurt(text) if text else None
        if match is None:
            dispatcher.utter_message(response="utter_buurt_unknown")
            return {"buurt": None}
        return {"buurt": match.name}


def buurt_buttons(buurten: List[str]) -> List[Dict[str, str]]:
    return [{"title": b, "payload": f'/inform_location{{"buurt": "{b}"}}'} for b in buurten[:10]]


def search(tracker: Tracker, offset: int, buurt: Optional[str] = None,
           limit: int = MAX_PLACES_SHOWN):
    kb = knowledge_base()
    return kb.find_places(
        buurt=buurt or tracker.get_slot("buurt"),
        lat=tracker.get_slot("lat"),
        lon=tracker.get_slot("lon"),
        place_type=tracker.get_slot("place_type"),
        target_group=tracker.get_slot("target_group"),
        limit=limit,
        offset=offset,
    )


def type_buttons(tracker: Tracker, shown, nearby) -> List[Dict[str, str]]:
    """Buttons to narrow the search to one kind of place, only when that helps.

    `nearby` are the nearest REFINE_WINDOW places (the `shown` ones first). None
    when the resident already named a kind, when the nearby places are all of
    one kind, or when every nearby kind is already among those shown."""
    if tracker.get_slot("place_type"):
        return []
    kinds: List[str] = []
    for place in nearby:  # nearest first
        if place.place_type not in kinds:
            kinds.append(place.place_type)
    shown_kinds = {p.place_type for p in shown}
    if len(kinds) < 2 or all(kind in shown_kinds for kind in kinds):
        return []
    kb = knowledge_base()
    unseen_first = sorted(kinds, key=lambda kind: kind in shown_kinds)
    buttons = []
    for kind in unseen_first[:MAX_TYPE_BUTTONS]:
        info = kb.place_type(kind)
        buttons.append({"title": info.title(tracker.get_slot("language")) if info else kind,
                        "payload": f'/find_meeting_place{{"place_type": "{kind}"}}'})
    return buttons


def show_places(dispatcher: CollectingDispatcher, places, buurt: str, response: str,
                kinds: Optional[List[Dict[str, str]]] = None, domain=None,
                tracker: Optional[Tracker] = None) -> None:
    lang = tracker.get_slot("language") if tracker is not None else None
    lines = "\n".join(format_place_line(p, buurt, domain, lang) for p in places)
    dispatcher.utter_message(response=response, buurt=buurt, places=lines)
    note = distance_note(tracker, places, buurt) if tracker is not None else None
    if note:
        dispatcher.utter_message(response=note, buurt=buurt)
    if any(getattr(p, "is_demo", False) for p in places):
        dispatcher.utter_message(response="utter_places_demo_note")
    if any(not getattr(p, "address", None) for p in places if not getattr(p, "is_demo", False)):
        dispatcher.utter_message(response="utter_place_facts_missing")
    if kinds:
        # one question: more places, or one kind of place (buttons appended to the response's)
        dispatcher.utter_message(response="utter_places_next_kinds", buttons=kinds)
    else:
        dispatcher.utter_message(response="utter_places_next")


class ActionFindPlaces(Action):
    """Names the nearest three meeting places for the resident's buurt."""

    def name(self) -> Text:
        return "action_find_places"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        buurt = tracker.get_slot("buurt")
        events: List[Dict[Text, Any]] = []
        # a new postcode this turn (without a buurt name) replaces the old buurt
        postcode = next(tracker.get_latest_entity_values("postcode"), None)
        if postcode and not next(tracker.get_latest_entity_values("buurt"), None):
            buurten = knowledge_base().buurten_for_postcode(postcode)
            if len(buurten) > 1:
                dispatcher.utter_message(response="utter_ask_which_buurt", buttons=buurt_buttons(buurten))
                return [SlotSet("buurt", None)]
            if buurten and buurten[0] != buurt:
                buurt = buurten[0]
                events.append(SlotSet("buurt", buurt))
        if not buurt:
            dispatcher.utter_message(response="utter_ask_buurt")
            return events
        # one search: the first three are shown, the rest tell whether a kind helps
        nearby = search(tracker, 0, buurt, limit=REFINE_WINDOW)
        places = nearby[:MAX_PLACES_SHOWN]
        if not places:
            dispatcher.utter_message(response="utter_places_none", buurt=buurt)
            return events + [SlotSet("places_offset", 0), SlotSet("shown_places", [])]
        in_buurt = any(p.buurt == buurt for p in places)
        show_places(dispatcher, places, buurt,
                    "utter_places_in_buurt" if in_buurt else "utter_places_nearby",
                    kinds=type_buttons(tracker, places, nearby), domain=domain, tracker=tracker)
        return events + [SlotSet("places_offset", float(len(places))),
                         SlotSet("shown_places", [p.name for p in places])]


class ActionMorePlaces(Action):
    """The next three places ("meer")."""

    def name(self) -> Text:
        return "action_more_places"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        buurt = tracker.get_slot("buurt")
        if not buurt:
            dispatcher.utter_message(response="utter_ask_buurt")
            return []
        offset = int(tracker.get_slot("places_offset") or 0)
        places = search(tracker, offset)
        if not places:
            dispatcher.utter_message(response="utter_places_no_more", buurt=buurt)
            return []
        show_places(dispatcher, places, buurt, "utter_places_more", domain=domain, tracker=tracker)
        return [SlotSet("places_offset", float(offset + len(places))),
                SlotSet("shown_places", [p.name for p in places])]


def place_buttons(names: List[str]) -> List[Dict[str, str]]:
    return [{"title": display_name(n), "payload": f'/ask_place_details{{"place": "{n}"}}'} for n in names]


def place_contact(place) -> str:
    """Phone, e-mail and website of a place, as known (never guessed)."""
    return " · ".join(v for v in (getattr(place, "phone", None), getattr(place, "email", None),
                                  getattr(place, "url", None)) if v)


class ActionPlaceDetails(Action):
    """Address, opening hours, accessibility, costs and activities of one place."""

    def name(self) -> Text:
        return "action_place_details"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        name = next(tracker.get_latest_entity_values("place"), None) or tracker.get_slot("place")
        if not name:
            shown = tracker.get_slot("shown_places") or []
            if len(shown) == 1:
                name = shown[0]
            else:
                dispatcher.utter_message(response="utter_ask_which_place", buttons=place_buttons(shown))
                return []
        place = kb.place_details(name) or kb.resolve_place(name)
        if place is None:
            dispatcher.utter_message(response="utter_place_unknown")
            return []
        unknown = response_text(domain, "utter_value_unknown") or "?"
        values = {
            "name": display_name(place.name) + (" (voorbeeld)" if place.is_demo else ""),
            "buurt": place.buurt or unknown,
            "address": place.address or unknown,
            "opening_hours": place.opening_hours or unknown,
            "accessibility": place.accessibility or unknown,
            "cost": place.cost or unknown,
        }
        dispatcher.utter_message(response="utter_place_details", **values)
        contact = place_contact(place)
        if contact:
            dispatcher.utter_message(response="utter_place_details_contact", contact=contact)
        source = None if place.is_demo else kb.place_source(place.key)
        if source is not None:
            # the resident hears where the address and contact details come from
            dispatcher.utter_message(
                response="utter_place_details_source",
                publisher=source.publisher,
                url=source.url,
                read=f"{source.read.day}-{source.read.month}-{source.read.year}",
            )
        if place.description:
            dispatcher.utter_message(response="utter_place_details_activities",
                                     description=place.description)
        if place.is_demo:
            dispatcher.utter_message(response="utter_places_demo_note")
        elif not (place.address and place.opening_hours and place.accessibility and place.cost):
            dispatcher.utter_message(response="utter_place_details_missing")
        return [SlotSet("place", place.name)]


MAX_ACTIVITIES_SHOWN = 3


class ActionFindActivities(Action):
    """What is on: activities on a day or time (default: the coming seven days)."""

    def name(self) -> Text:
        return "action_find_activities"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        from datetime import timedelta

        from knowledge import when

        kb = knowledge_base()
        text = tracker.latest_message.get("text") or ""
        current = when.current_time()
        span = kb.resolve_when(text, current) if text and not text.startswith("/") else None
        if span is None:
            span = (current, current + timedelta(days=7))
        buurt = next(tracker.get_latest_entity_values("buurt"), None) or tracker.get_slot("buurt")
        match = kb.resolve_buurt(buurt) if buurt else None
        # "en op donderdag?" after "is er bingo?" keeps the kind (bot/nlu/story.py follow-ups)
        kind = kb.activity_kind(text) or (
            tracker.get_slot("activity_kind") if tracker.latest_message.get("follow_up") else None)
        filters = dict(target_group=next(tracker.get_latest_entity_values("target_group"), None),
                       kind=kind, limit=MAX_ACTIVITIES_SHOWN)
        remembered = [SlotSet("activity_kind", kind)]
        if match is None:
            found = kb.activities(span[0], span[1], **filters)
            if not found:
                dispatcher.utter_message(response="utter_activities_none")
                return remembered
            self._list(dispatcher, tracker, domain, found, "utter_activities_found")
            return remembered
        found = kb.activities(span[0], span[1], buurt=match.name, **filters)
        if found:
            self._list(dispatcher, tracker, domain, found, "utter_activities_found", buurt=match.name)
            return remembered + [SlotSet("buurt", match.name)]
        # Nothing in the buurt then: the neighbouring buurten, said as such.
        nearby = [occ for other in kb.neighbours(match.name)
                  for occ in kb.activities(span[0], span[1], buurt=other, **filters)]
        nearby.sort(key=lambda o: (o.start, o.place_name, o.title))
        if nearby:
            self._list(dispatcher, tracker, domain, nearby[:MAX_ACTIVITIES_SHOWN], "utter_activities_nearby",
                       buurt=match.name)
        else:
            dispatcher.utter_message(response="utter_activities_none_in_buurt", buurt=match.name)
        return remembered + [SlotSet("buurt", match.name)]

    @staticmethod
    def _list(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, found,
              response: str, **values) -> None:
        lines = []
        for occ in found:
            title = occ.title + (" (voorbeeld)" if occ.is_demo and "voorbeeld" not in occ.title else "")
            lines.append(response_text(
                domain, "utter_activity_line",
                date=occ.start.strftime("%d-%m"), time=occ.start.strftime("%H:%M"),
                title=title, place=display_name(occ.place_name) + (f" ({occ.buurt})" if occ.buurt else ""),
            ))
        dispatcher.utter_message(response=response, activities="\n".join(lines), **values)
        if any(o.is_demo for o in found):
            dispatcher.utter_message(response="utter_activities_demo_note")
        from actions.reminders import offer_reminder

        # "Wilt u een herinnering?" (opt-in), buttons in the conversation's language and level
        offer_reminder(dispatcher, domain, found, tracker.get_slot("language") or "nl",
                       tracker.get_slot("reading_level") or "b1")
