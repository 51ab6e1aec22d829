"""The subsidy check for Kracht van de Samenleving (issue 18, point 3): thin actions.

precheck_subsidy -> action_start_precheck (clears an earlier check) -> precheck_form
(what, for whom, buurt - the existing buurt slot, asked only when unknown -, how
many people, how often, a similar place nearby) -> action_submit_precheck:
the answer with the sourced rules (knowledge/precheck.py; unconfirmed ones
marked "nog niet bevestigd"), the checklist to forward, the link to the print
page (bot/precheck/store.py) and the offer of an opbouwwerker.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import knowledge_base, settings
from actions.handoff import _answering, _entity, _intent, _text
from actions.places import ValidatePlaceSearchForm
from knowledge import precheck as pc

logger = logging.getLogger(__name__)

SLOTS = ("precheck_kind", "precheck_for_whom", "precheck_people", "precheck_frequency",
         "precheck_similar")
# words typed as an answer are often classified as another intent ("een huiskamer":
# find_meeting_place); a question about the subsidy is not an answer: the
# digression rule answers it and the form asks again (dialogue/subsidy.yml)
_ALLOW = ("start_initiative", "find_meeting_place", "volunteer", "board_support", "find_activity")


@lru_cache(maxsize=1)
def checklist_store():
    """The store of printable checklists (the database the service reads them from)."""
    from actions.handoff import handoff_runtime
    from bot.precheck.store import ChecklistStore

    return ChecklistStore(handoff_runtime().queue.engine, days=settings().checklist_days)


class ActionStartPrecheck(Action):
    def name(self) -> Text:
        return "action_start_precheck"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_precheck_intro")
        events: List[EventType] = [SlotSet(s, None) for s in SLOTS if tracker.get_slot(s) is not None]
        buurt = tracker.get_slot("buurt")
        if buurt and str(buurt).startswith(("postcode:", "location:")):
            events.append(SlotSet("buurt", None))
        return events


class ValidatePrecheckForm(ValidatePlaceSearchForm):
    """The buurt as in the place search (gazetteer, postcode, location); the rest
    read by knowledge/precheck.py from a button or the words typed."""

    def name(self) -> Text:
        return "validate_precheck_form"

    def _read(self, tracker: Tracker, slot: str, reader) -> Dict[Text, Any]:
        if not _answering(tracker, slot, allow=_ALLOW):
            return {}
        return {slot: reader(_entity(tracker, "precheck_choice"), _text(tracker)) or "?"}

    async def extract_precheck_kind(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if _answering(tracker, "precheck_kind", allow=_ALLOW):
            place_type = _entity(tracker, "place_type")
            if place_type in pc.KINDS:
                return {"precheck_kind": place_type}
        return self._read(tracker, "precheck_kind", pc.kind_answer)

    async def extract_precheck_for_whom(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._read(tracker, "precheck_for_whom", pc.for_whom_answer)

    async def extract_precheck_people(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._read(tracker, "precheck_people", pc.people_answer)

    async def extract_precheck_frequency(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return self._read(tracker, "precheck_frequency", pc.frequency_answer)

    async def extract_precheck_similar(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "precheck_similar", allow=("affirm", "deny") + _ALLOW):
            return {}
        answer = pc.similar_answer(_entity(tracker, "precheck_choice"), _intent(tracker), _text(tracker))
        return {"precheck_similar": answer or "?"}

    def _keep(self, slot: str, value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        if value in (None, "?", ""):
            dispatcher.utter_message(response="utter_precheck_not_understood")
            return {slot: None}
        return {slot: value}

    def validate_precheck_kind(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._keep("precheck_kind", value, dispatcher)

    def validate_precheck_for_whom(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._keep("precheck_for_whom", value, dispatcher)

    def validate_precheck_people(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._keep("precheck_people", value, dispatcher)

    def validate_precheck_frequency(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._keep("precheck_frequency", value, dispatcher)

    def validate_precheck_similar(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._keep("precheck_similar", value, dispatcher)


def answers_from(tracker: Tracker) -> Optional[pc.Answers]:
    values = [tracker.get_slot(s) for s in ("precheck_kind", "precheck_for_whom", "buurt",
                                            "precheck_people", "precheck_frequency",
                                            "precheck_similar")]
    if any(not v for v in values):
        return None
    kind, for_whom, buurt, people, frequency, similar = (str(v) for v in values)
    return pc.Answers(kind, for_whom, buurt, people, frequency, similar)


class ActionSubmitPrecheck(Action):
    def name(self) -> Text:
        return "action_submit_precheck"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        from bot.precheck.render import answer_message, checklist_message
        from bot.precheck.store import link

        answers = answers_from(tracker)
        if answers is None:
            dispatcher.utter_message(response="utter_precheck_not_understood")
            return []
        result = pc.run_precheck(knowledge_base(), answers)
        dispatcher.utter_message(response="utter_precheck_answer", content=answer_message(result))
        dispatcher.utter_message(response="utter_precheck_forward_intro")
        dispatcher.utter_message(response="utter_precheck_checklist", content=checklist_message(result))
        try:
            token = checklist_store().save(tracker.sender_id, result)
        except Exception:  # the page cannot be kept: the message above still holds it all
            logger.exception("storing the checklist failed")
            dispatcher.utter_message(response="utter_precheck_print_failed")
        else:
            dispatcher.utter_message(response="utter_precheck_print",
                                     url=link(settings().public_url_resolved, token),
                                     days=settings().checklist_days)
        dispatcher.utter_message(response="utter_precheck_offer")
        return []
