"""Toeleiding, resident side: the handoff form, status, withdrawing a request.

Flow (dialogue/handoff.yml):
    request_toeleiding | request_human | /request_toeleiding{"handoff_kind": ..}
      -> action_start_toeleiding (what will happen, expected time from Settings)
      -> toeleiding_form: consent, contact (chat / bel mij + number), buurt
         (skipped when known), reason, language (skipped when pre-set), best
         moment, an accompanied first visit where the operator offers it
         (ja/nee, a place of knowledge/, a moment: bot/handoff/visit.py),
         summary with a button per field to correct it
      -> action_submit_toeleiding: stores the request in the handoff queue and
         gives the reference ONLY after the commit (create_request returned).
    handoff_status -> action_handoff_status
    cancel_request -> cancel_request_form -> action_submit_cancel_request

In an action `tracker.sender_id` is the pseudonymous resident key (the channel
layer pseudonymises the platform id before Rasa). Every text is a domain
response (domain.yml, handoff sections) or comes from bot/catalogue.yml via the queue.
What an answer means and whether it is valid is decided in bot/handoff/form.py
(plain, unit-tested Python); this module reads slots, calls it and dispatches.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import knowledge_base, settings
from bot.handoff import form, visit
from bot.handoff.form import answers_question, is_answer
from bot.handoff.promises import Promises, intro_replies, language_reply, promises_from, stored_reply

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------
# Reading the tracker (the rules themselves are in bot/handoff/form.py)
# --------------------------------------------------------------------------
def _entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def _answering(tracker: Tracker, slot: str, allow=()) -> bool:
    """True when the latest user message answers the question for `slot`.

    Not when the form runs again after a digression (another action ran after
    the message), nor for a message with a way-out or digression intent."""
    if tracker.get_slot("requested_slot") != slot:
        return False
    active = (tracker.active_loop or {}).get("name")
    return answers_question(tracker.events or [], active) and is_answer(_intent(tracker), allow)


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


@lru_cache(maxsize=1)
def handoff_runtime():
    """The HandoffRuntime of this action server (opened lazily, on first use)."""
    from bot.handoff.runtime import HandoffRuntime

    # Requests stored here are announced to staff by the assistant service,
    # which holds the Telegram connection (the outbox in HandoffRuntime).
    return HandoffRuntime.from_settings(settings(), announces=False)


def current_promises() -> Promises:
    """What may be promised now: the operator's settings, and whether the staff file is demo."""
    try:
        demo = handoff_runtime().roster().demo
    except Exception:  # the staff file cannot be read: promise nothing
        logger.exception("reading the staff file failed")
        demo = True
    return promises_from(settings(), demo)


def language_words(domain: DomainDict, promises: Promises, lang: Optional[str]) -> str:
    """The languages a person speaks, in words of the conversation language."""
    words = [form.word(domain, f"utter_handoff_word_{code}", lang) or code for code in promises.languages]
    return ", ".join(words)


def _resolve_buurt(text: str) -> Optional[str]:
    try:
        kb = knowledge_base()
        return form.resolve_buurt(text, kb.resolve_buurt, kb.buurten_for_postcode)
    except Exception:  # knowledge unavailable: keep what the resident wrote
        logger.exception("buurt lookup failed")
        return text.strip()[:60] or None


def _place(key: str) -> Optional[visit.PlaceChoice]:
    """A place of knowledge/ by key: its name and whether it is demo data."""
    try:
        place = knowledge_base().place_details(key)
    except Exception:
        logger.exception("place lookup failed")
        return None
    return visit.PlaceChoice(place.key, place.name, bool(place.is_demo)) if place else None


def _resolve_place(text: str) -> Optional[str]:
    """The key of a place typed by name ("t ruweel"), or None."""
    try:
        place = knowledge_base().resolve_place(text)
    except Exception:
        logger.exception("place lookup failed")
        return None
    return place.key if place else None


def _visit_summary(tracker: Tracker, domain: DomainDict) -> Dict[str, str]:
    """The place and moment of the first visit, in words, for the summary."""
    lang = tracker.get_slot("language")
    key = tracker.get_slot("handoff_visit_place")
    place = _place(key) if key and key != visit.NO else None
    if place is None:
        name = form.word(domain, "utter_handoff_word_visit_place_later", lang)
    elif place.is_demo:
        name = form.word(domain, "utter_handoff_word_visit_demo", lang, place=place.name)
    else:
        name = place.name
    found = visit.read_moment(tracker.get_slot("handoff_visit_moment"))
    moment = visit.moment_words(found.text, found.start, lang or "nl") if found else \
        str(tracker.get_slot("handoff_visit_moment") or "")
    return {"place": name, "moment": moment}


class ActionAskHandoffVisitPlace(Action):
    """Which place for the first visit: a button per place of knowledge/ (in the
    resident's buurt first; real records before demo ones, which say so)."""

    def name(self) -> Text:
        return "action_ask_handoff_visit_place"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        lang = tracker.get_slot("language")
        buurt = tracker.get_slot("handoff_buurt")
        try:
            kb = knowledge_base()
            found = kb.find_places(buurt=buurt, limit=0) if buurt and buurt != form.NO_BUURT \
                else []
            choices = visit.place_choices(found or kb.find_places(limit=0))
        except Exception:
            logger.exception("places for the visit question failed")
            choices = []
        buttons = [{"title": form.word(domain, "utter_handoff_word_visit_demo", lang,
                                       place=c.name) if c.is_demo else c.name,
                    "payload": f'/inform_handoff{{"handoff_choice": "{visit.PLACE_CHOICE_PREFIX}{c.key}"}}'}
                   for c in choices]
        buttons.append({"title": form.word(domain, "utter_handoff_word_visit_no_place", lang),
                        "payload": f'/inform_handoff{{"handoff_choice": "{visit.NO_PLACE}"}}'})
        dispatcher.utter_message(response="utter_ask_handoff_visit_place", buttons=buttons)
        return []


def _apply(check: form.Check, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    """Utter the check's response (if any) and return its slot values."""
    if check.response:
        dispatcher.utter_message(response=check.response)
    return check.slots


# --------------------------------------------------------------------------
# The handoff form
# --------------------------------------------------------------------------
class ActionStartToeleiding(Action):
    """Say what will happen, set the kind, clear an old form, pre-fill known slots."""

    def name(self) -> Text:
        return "action_start_toeleiding"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = form.kind_for(_intent(tracker), _entity(tracker, "handoff_kind"))
        for response, values in intro_replies(current_promises(), kind):
            dispatcher.utter_message(response=response, **values)
        events: List[EventType] = [SlotSet(slot, None) for slot in form.FORM_SLOTS
                                   if tracker.get_slot(slot) is not None]
        if tracker.get_slot("requested_slot") is not None:
            events.append(SlotSet("requested_slot", None))
        events.append(SlotSet("handoff_kind", kind))
        language = tracker.get_slot("language")
        if not tracker.get_slot("preferred_language") and language and language != "nl":
            events.append(SlotSet("preferred_language", language))
        buurt = tracker.get_slot("buurt")
        if buurt and not str(buurt).startswith("postcode:"):
            events.append(SlotSet("handoff_buurt", buurt))
        return events


class ValidateToeleidingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_toeleiding_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return form.required_slots(domain_slots, tracker.get_slot("handoff_consent"),
                                   tracker.get_slot("handoff_contact_method"),
                                   visit_offered=current_promises().offers_visit(
                                       tracker.get_slot("handoff_kind")),
                                   visit=tracker.get_slot("handoff_visit"))

    # -- extraction: only the answer to the question just asked ---------------
    async def extract_handoff_consent(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_consent"):
            return {}
        return form.consent_answer(_intent(tracker), _text(tracker))

    async def extract_handoff_contact_method(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_contact_method"):
            return {}
        return form.contact_answer(_entity(tracker, "handoff_choice"), _text(tracker))

    async def extract_handoff_phone(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_phone"):
            return {}
        return {"handoff_phone": _text(tracker) or form.UNCLEAR}

    async def extract_handoff_buurt(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_buurt", allow=("find_meeting_place", "find_activity",
                                                         "inform_location")):
            return {}
        return form.buurt_answer(_entity(tracker, "handoff_choice"), _entity(tracker, "buurt"),
                                 _text(tracker))

    async def extract_handoff_reason(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_reason", allow=("express_loneliness", "find_meeting_place",
                                                         "find_activity", "ask_subsidy")):
            return {}
        return {"handoff_reason": _text(tracker)}

    async def extract_preferred_language(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "preferred_language", allow=("speak_dutch", "speak_english")):
            return {}
        return form.language_answer(_entity(tracker, "handoff_choice"), _text(tracker))

    async def extract_handoff_best_moment(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_best_moment"):
            return {}
        return form.moment_answer(_entity(tracker, "handoff_choice"), _text(tracker))

    async def extract_handoff_visit(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_visit"):
            return {}
        return form.visit_answer(_intent(tracker), _text(tracker))

    async def extract_handoff_visit_place(self, dispatcher, tracker: Tracker,
                                          domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_visit_place",
                          allow=("find_meeting_place", "find_activity", "ask_place_details")):
            return {}
        return form.visit_place_answer(_entity(tracker, "handoff_choice"), _text(tracker),
                                       _resolve_place)

    async def extract_handoff_visit_moment(self, dispatcher, tracker: Tracker,
                                           domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_visit_moment",
                          allow=("find_activity", "find_meeting_place")):
            return {}
        return form.visit_moment_answer(_entity(tracker, "handoff_choice"), _text(tracker))

    async def extract_handoff_confirm(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_confirm"):
            return {}
        return form.confirm_answer(_entity(tracker, "handoff_choice"), _intent(tracker),
                                   _text(tracker))

    # -- validation (bot/handoff/form.py) -------------------------------------------
    def validate_handoff_consent(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_consent(value), dispatcher)

    def validate_handoff_contact_method(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_contact_method(value), dispatcher)

    def validate_handoff_phone(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_phone(value), dispatcher)

    def validate_handoff_buurt(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_buurt(value, _resolve_buurt), dispatcher)

    def validate_handoff_reason(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_reason(value), dispatcher)

    def validate_preferred_language(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        # not understood: the form asks again (action_ask_preferred_language)
        return _apply(form.check_chosen("preferred_language", value), dispatcher)

    def validate_handoff_best_moment(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_chosen("handoff_best_moment", value), dispatcher)

    def validate_handoff_visit(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_visit(value), dispatcher)

    def validate_handoff_visit_place(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_visit_place(value), dispatcher)

    def validate_handoff_visit_moment(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_visit_moment(value), dispatcher)

    def validate_handoff_confirm(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return _apply(form.check_confirm(value), dispatcher)


class ActionAskHandoffConfirm(Action):
    """The summary with a button per field to correct it."""

    def name(self) -> Text:
        return "action_ask_handoff_confirm"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        promises = current_promises()
        note = language_reply(promises, tracker.get_slot("preferred_language"),
                              language_words(domain, promises, tracker.get_slot("language")))
        if note:
            dispatcher.utter_message(response=note[0], **note[1])
        if tracker.get_slot("handoff_visit") == "ja":
            dispatcher.utter_message(response="utter_handoff_summary_visit",
                                     **_visit_summary(tracker, domain))
        dispatcher.utter_message(response="utter_handoff_summary",
                                 **form.summary_values(tracker.slots, domain))
        return []


class ActionAskPreferredLanguage(Action):
    """Which language: a button per language a person can speak (ONTMOET_HANDOFF_LANGUAGES)."""

    def name(self) -> Text:
        return "action_ask_preferred_language"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        promises = current_promises()
        lang = tracker.get_slot("language")
        buttons = [{"title": form.word(domain, f"utter_handoff_word_{code}", lang) or code,
                    "payload": f'/inform_handoff{{"handoff_choice": "{code}"}}'}
                   for code in promises.languages]
        dispatcher.utter_message(response="utter_ask_preferred_language", buttons=buttons)
        return []


# How long after the reply the conversation is scrubbed once more: Rasa saves the
# current turn (which may hold the number) only after the action has run.
SCRUB_AGAIN_AFTER_SECONDS = 5.0
_scrub_tasks: set = set()


async def forget_typed_phone(sender_id: str) -> None:
    """No consent (or the request was not sent): keep no phone number the
    resident typed in this conversation (bot.privacy.scrub_phone_numbers), now
    for the saved turns and once more after this turn is saved."""
    import asyncio

    from bot.privacy import scrub_phone_numbers

    url = settings().tracker_store_url_resolved

    async def scrub() -> None:
        try:
            await asyncio.to_thread(scrub_phone_numbers, url, sender_id)
        except Exception:
            logger.exception("removing a typed phone number failed")

    await scrub()

    async def again() -> None:
        await asyncio.sleep(SCRUB_AGAIN_AFTER_SECONDS)
        await scrub()

    task = asyncio.get_running_loop().create_task(again())
    _scrub_tasks.add(task)
    task.add_done_callback(_scrub_tasks.discard)


class ActionSubmitToeleiding(Action):
    """Store the request; the reference is given only after the commit."""

    def name(self) -> Text:
        return "action_submit_toeleiding"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in form.FORM_SLOTS] + [SlotSet("handoff_kind", None)]
        if tracker.get_slot("handoff_consent") is not True:
            await forget_typed_phone(tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_no_consent")
            return reset
        if tracker.get_slot("handoff_confirm") != "ja":
            await forget_typed_phone(tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_not_sent")
            return reset
        try:
            view = await handoff_runtime().submit_request(
                **form.request_fields(tracker.slots, channel=_channel(tracker),
                                      resident_key=tracker.sender_id),
                **visit.request_fields(tracker.get_slot("handoff_visit"),
                                       tracker.get_slot("handoff_visit_place"),
                                       tracker.get_slot("handoff_visit_moment"), _place))
        except Exception:
            logger.exception("storing a handoff request failed")
            dispatcher.utter_message(response="utter_handoff_store_failed")
            return reset
        response, values = stored_reply(current_promises(), view.reference)
        dispatcher.utter_message(response=response, **values)
        return reset


# --------------------------------------------------------------------------
# Status and withdrawing
# --------------------------------------------------------------------------
class ActionHandoffStatus(Action):
    def name(self) -> Text:
        return "action_handoff_status"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            statuses = await handoff_runtime().queue_async.status_for_resident(tracker.sender_id)
        except Exception:
            logger.exception("reading the status failed")
            dispatcher.utter_message(response="utter_handoff_store_failed")
            return []
        if not statuses:
            dispatcher.utter_message(response="utter_handoff_status_none")
        else:
            dispatcher.utter_message(response="utter_handoff_status_list",
                                     statuses="\n".join(s.text for s in statuses[:5]))
        return []


async def _open_references(tracker: Tracker) -> List[str]:
    views = await handoff_runtime().queue_async.open_requests_for_resident(tracker.sender_id)
    return [v.reference for v in views]


class ValidateCancelRequestForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_cancel_request_form"

    async def required_slots(self, domain_slots, dispatcher, tracker: Tracker, domain) -> List[Text]:
        if tracker.get_slot("handoff_cancel_ref") is None and not await _open_references(tracker):
            return []  # nothing to withdraw: the form ends, the submit action says so
        return list(domain_slots)

    async def extract_handoff_cancel_ref(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        activating = tracker.get_slot("requested_slot") is None and _intent(tracker) == "cancel_request"
        if not activating and not _answering(tracker, "handoff_cancel_ref", allow=("cancel_request",)):
            return {}
        open_refs = await _open_references(tracker)
        reference = form.reference_in(
            _entity(tracker, "handoff_reference") or _text(tracker), open_refs)
        if reference:
            return {"handoff_cancel_ref": reference}
        if activating:
            return {"handoff_cancel_ref": open_refs[0]} if len(open_refs) == 1 else {}
        return {"handoff_cancel_ref": form.UNCLEAR}

    async def extract_handoff_cancel_confirm(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_cancel_confirm"):
            return {}
        return {"handoff_cancel_confirm": form.yes_or_no(_intent(tracker), _text(tracker))
                or form.UNCLEAR}

    def validate_handoff_cancel_ref(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        return {"handoff_cancel_ref": value if value and value != form.UNCLEAR else None}

    def validate_handoff_cancel_confirm(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        return {"handoff_cancel_confirm": value if value in ("ja", "nee") else None}


class ActionAskHandoffCancelRef(Action):
    """Several open requests: a button per request."""

    def name(self) -> Text:
        return "action_ask_handoff_cancel_ref"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        references = await _open_references(tracker)
        buttons = [{"title": ref, "payload": f'/cancel_request{{"handoff_reference": "{ref}"}}'}
                   for ref in references[:8]]
        dispatcher.utter_message(response="utter_ask_handoff_cancel_ref", buttons=buttons)
        return []


class ActionAskHandoffCancelConfirm(Action):
    def name(self) -> Text:
        return "action_ask_handoff_cancel_confirm"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_handoff_cancel_confirm",
                                 reference=tracker.get_slot("handoff_cancel_ref") or "")
        return []


class ActionSubmitCancelRequest(Action):
    def name(self) -> Text:
        return "action_submit_cancel_request"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        from bot.handoff.queue import HandoffError

        reference = tracker.get_slot("handoff_cancel_ref")
        reset = [SlotSet("handoff_cancel_ref", None), SlotSet("handoff_cancel_confirm", None)]
        if not reference:
            dispatcher.utter_message(response="utter_cancel_none")
            return reset
        if tracker.get_slot("handoff_cancel_confirm") != "ja":
            dispatcher.utter_message(response="utter_cancel_kept")
            return reset
        try:
            await handoff_runtime().queue_async.cancel(reference, tracker.sender_id)
        except HandoffError:
            dispatcher.utter_message(response="utter_cancel_failed")
            return reset
        except Exception:
            logger.exception("withdrawing %s failed", reference)
            dispatcher.utter_message(response="utter_cancel_failed")
            return reset
        dispatcher.utter_message(response="utter_cancel_done", reference=reference)
        return reset
