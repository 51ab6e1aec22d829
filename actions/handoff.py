"""Toeleiding, resident side: the handoff form, status, withdrawing a request.

Flow (dialogue/handoff.yml):
    request_toeleiding | request_human | /request_toeleiding{"handoff_kind": ..}
      -> action_start_toeleiding (what will happen, expected time from Settings)
      -> toeleiding_form: consent, contact (chat / bel mij + number), buurt
         (skipped when known), reason, language (skipped when pre-set), best
         moment, summary with a button per field to correct it
      -> action_submit_toeleiding: stores the request in the handoff queue and
         gives the reference ONLY after the commit (create_request returned).
    handoff_status -> action_handoff_status
    cancel_request -> cancel_request_form -> action_submit_cancel_request

In an action `tracker.sender_id` is the pseudonymous resident key (the channel
layer pseudonymises the platform id before Rasa). Every text is a domain
response (domain.yml, handoff sections) or comes from bot/catalogue.yml via the queue.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import knowledge_base, settings
from bot.handoff.promises import Promises, intro_replies, language_reply, promises_from, stored_reply

logger = logging.getLogger(__name__)

KINDS = ("toeleiding", "mens", "subsidie_aanvraag", "eenzaamheid", "anders")
NO_BUURT = "-"
CHAT, PHONE = "chat", "telefoon"
MOMENTS = ("ochtend", "middag", "avond", "maakt_niet_uit")
FIX_FIELDS = {
    "fix_contact": ("handoff_contact_method", "handoff_phone"),
    "fix_buurt": ("handoff_buurt",),
    "fix_reason": ("handoff_reason",),
    "fix_language": ("preferred_language",),
    "fix_moment": ("handoff_best_moment",),
}
FORM_SLOTS = (
    "handoff_consent", "handoff_contact_method", "handoff_phone", "handoff_buurt",
    "handoff_reason", "handoff_best_moment", "handoff_confirm",
)
# Intents that mean "not an answer to the question" inside a form: the form
# rejects, so digression rules and the generic way-out rules can run.
# tests/test_form_intents.py checks them against the domain's intents.
NOT_AN_ANSWER = frozenset({
    "start_over", "goodbye", "help", "bot_challenge", "crisis", "privacy_info",
    "handoff_status", "cancel_request", "delete_my_data", "ask_place_details",
    "find_meeting_place", "find_activity", "ask_subsidy",
    "express_loneliness", "other_language", "speak_dutch", "speak_english",
})
LANGUAGE_WORDS = {
    "nl": ("nederlands", "dutch", "nl", "hollands"),
    "en": ("engels", "english", "en", "engelstalig"),
    "de": ("duits", "deutsch", "german", "de"),
    "fr": ("frans", "français", "francais", "french", "fr"),
    "ar": ("arabisch", "arabic", "ar"),
    "tr": ("turks", "türkçe", "turkce", "turkish", "tr"),
    "pl": ("pools", "polish", "polski", "pl"),
    "uk": ("oekraïens", "oekraiens", "ukrainian", "uk"),
}
YES_WORDS = ("ja", "jawel", "jazeker", "ok", "oké", "oke", "goed", "prima", "klopt", "yes",
             "graag", "dat mag", "mag", "akkoord", "verstuur", "zeker")
NO_WORDS = ("nee", "neen", "no", "niet", "liever niet", "nooit")


# --------------------------------------------------------------------------
# Helpers (pure, unit-tested)
# --------------------------------------------------------------------------
# The phone recogniser lives in bot/phone.py (also used to keep numbers out of
# stored conversations when consent was refused).
from bot.phone import _PHONE_IN_TEXT, find_phone, normalise_phone  # noqa: E402,F401


def _words(text: str) -> List[str]:
    return re.findall(r"[\wÀ-ÿ']+", text.lower())


def _has_word(text: str, options) -> bool:
    lowered = " " + " ".join(_words(text)) + " "
    return any(f" {option} " in lowered for option in options)


def yes_or_no(intent: Optional[str], text: Optional[str]) -> Optional[str]:
    """"ja" / "nee" from an affirm/deny button or typed words; None otherwise."""
    if intent == "affirm":
        return "ja"
    if intent == "deny":
        return "nee"
    text = (text or "").strip()
    if not text or len(text) > 40:
        return None
    if _has_word(text, NO_WORDS):
        return "nee"
    if _has_word(text, YES_WORDS):
        return "ja"
    return None


def contact_method_from_text(text: Optional[str]) -> Optional[str]:
    lowered = (text or "").lower()
    if any(word in lowered for word in ("bel", "telefo", "nummer", "call", "phone")):
        return PHONE
    if any(word in lowered for word in ("chat", "hier", "app", "bericht", "typ", "schrijf", "message")):
        return CHAT
    return None


def language_from_text(text: Optional[str]) -> Optional[str]:
    """A language code for the usual languages; the typed word for others."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    for code, words in LANGUAGE_WORDS.items():
        if _has_word(cleaned, words):
            return code
    return cleaned[:30] if len(cleaned) >= 2 else None


def moment_from_text(text: Optional[str]) -> Optional[str]:
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    lowered = cleaned.lower()
    bare = re.sub(r"^'?s'?\s*", "", lowered).rstrip("s. ")
    for moment in ("ochtend", "middag", "avond"):
        if bare in (moment, moment + "s"):
            return moment
    if lowered in ("maakt niet uit", "maakt niks uit", "altijd", "geen voorkeur"):
        return "maakt_niet_uit"
    return cleaned[:200]


def fix_from_text(text: Optional[str]) -> Optional[str]:
    lowered = (text or "").lower()
    for fix, words in (
        ("fix_contact", ("contact", "nummer", "telefoon", "bel")),
        ("fix_buurt", ("buurt", "wijk")),
        ("fix_language", ("taal", "language")),
        ("fix_moment", ("moment", "tijd", "wanneer")),
        ("fix_reason", ("vraag", "reden")),
    ):
        if any(word in lowered for word in words):
            return fix
    return None


def kind_for(intent: Optional[str], entity: Optional[str]) -> str:
    if entity in KINDS:
        return entity
    if intent == "request_human":
        return "mens"
    return "toeleiding"


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
    form = (tracker.active_loop or {}).get("name")
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") not in (form, "action_listen"):
            return False  # coming back to the form after a digression
    intent = _intent(tracker)
    return intent in allow or intent not in NOT_AN_ANSWER


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


@lru_cache(maxsize=1)
def handoff_runtime():
    """The HandoffRuntime of this action server (opened lazily, on first use)."""
    from bot.handoff.runtime import HandoffRuntime

    # Requests stored here are announced to staff by the assistant service,
    # which holds the Telegram connection (the outbox in HandoffRuntime).
    return HandoffRuntime.from_settings(settings(), announces=False)


def expected_time() -> str:
    return settings().handoff_expected_time


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
    words = [word(domain, f"utter_handoff_word_{code}", lang) or code for code in promises.languages]
    return ", ".join(words)


def _resolve_buurt(text: str) -> Optional[str]:
    try:
        kb = knowledge_base()
        match = kb.resolve_buurt(text)
        if match:
            return match.name
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4:
            buurten = kb.buurten_for_postcode(digits)
            if len(buurten) == 1:
                return buurten[0]
        return None
    except Exception:  # knowledge unavailable: keep what the resident wrote
        logger.exception("buurt lookup failed")
        return text.strip()[:60] or None


# --------------------------------------------------------------------------
# The handoff form
# --------------------------------------------------------------------------
class ActionStartToeleiding(Action):
    """Say what will happen, set the kind, clear an old form, pre-fill known slots."""

    def name(self) -> Text:
        return "action_start_toeleiding"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = kind_for(_intent(tracker), _entity(tracker, "handoff_kind"))
        for response, values in intro_replies(current_promises(), kind):
            dispatcher.utter_message(response=response, **values)
        events: List[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS
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
        if tracker.get_slot("handoff_consent") is False:
            return ["handoff_consent"]
        slots = list(domain_slots)
        if tracker.get_slot("handoff_contact_method") == CHAT and "handoff_phone" in slots:
            slots.remove("handoff_phone")
        return slots

    # -- extraction: only the answer to the question just asked ---------------
    async def extract_handoff_consent(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_consent"):
            return {}
        answer = yes_or_no(_intent(tracker), _text(tracker))
        consent: Any = {"ja": True, "nee": False}.get(answer or "", "?")
        return {"handoff_consent": consent}

    async def extract_handoff_contact_method(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_contact_method"):
            return {}
        choice = _entity(tracker, "handoff_choice")
        if choice in (CHAT, PHONE):
            return {"handoff_contact_method": choice}
        text = _text(tracker)
        phone = find_phone(text)
        if phone:  # they typed their number straight away
            return {"handoff_contact_method": PHONE, "handoff_phone": phone}
        return {"handoff_contact_method": contact_method_from_text(text) or "?"}

    async def extract_handoff_phone(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_phone"):
            return {}
        return {"handoff_phone": _text(tracker) or "?"}

    async def extract_handoff_buurt(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_buurt", allow=("find_meeting_place", "find_activity",
                                                         "inform_location")):
            return {}
        if _entity(tracker, "handoff_choice") == "geen_buurt":
            return {"handoff_buurt": NO_BUURT}
        return {"handoff_buurt": _entity(tracker, "buurt") or _text(tracker) or "?"}

    async def extract_handoff_reason(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_reason", allow=("express_loneliness", "find_meeting_place",
                                                         "find_activity", "ask_subsidy")):
            return {}
        return {"handoff_reason": _text(tracker)}

    async def extract_preferred_language(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "preferred_language", allow=("speak_dutch", "speak_english")):
            return {}
        choice = _entity(tracker, "handoff_choice")
        if choice in LANGUAGE_WORDS:
            return {"preferred_language": choice}
        return {"preferred_language": language_from_text(_text(tracker)) or "?"}

    async def extract_handoff_best_moment(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_best_moment"):
            return {}
        choice = _entity(tracker, "handoff_choice")
        if choice in MOMENTS:
            return {"handoff_best_moment": choice}
        return {"handoff_best_moment": moment_from_text(_text(tracker)) or "?"}

    async def extract_handoff_confirm(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_confirm"):
            return {}
        choice = _entity(tracker, "handoff_choice")
        if choice in FIX_FIELDS:
            return {"handoff_confirm": choice}
        text = _text(tracker)
        return {"handoff_confirm": fix_from_text(text) or yes_or_no(_intent(tracker), text) or "?"}

    # -- validation -------------------------------------------------------------
    def validate_handoff_consent(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        if value in (True, False):
            return {"handoff_consent": value}
        dispatcher.utter_message(response="utter_handoff_consent_unclear")
        return {"handoff_consent": None}

    def validate_handoff_contact_method(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        if value in (CHAT, PHONE):
            return {"handoff_contact_method": value}
        dispatcher.utter_message(response="utter_handoff_contact_unclear")
        return {"handoff_contact_method": None}

    def validate_handoff_phone(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        phone = normalise_phone(value) or find_phone(value)
        if phone:
            return {"handoff_phone": phone}
        dispatcher.utter_message(response="utter_handoff_phone_invalid")
        return {"handoff_phone": None}

    def validate_handoff_buurt(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        if value == NO_BUURT:
            return {"handoff_buurt": NO_BUURT}
        name = _resolve_buurt(str(value)) if value and value != "?" else None
        if name:
            return {"handoff_buurt": name}
        dispatcher.utter_message(response="utter_handoff_buurt_unknown")
        return {"handoff_buurt": None}

    def validate_handoff_reason(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        text = (value or "").strip()
        if len(text) >= 3 and yes_or_no(None, text) is None:
            return {"handoff_reason": text[:1000]}
        dispatcher.utter_message(response="utter_handoff_reason_too_short")
        return {"handoff_reason": None}

    def validate_preferred_language(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        if value and value != "?":
            return {"preferred_language": value}
        return {"preferred_language": None}  # the form asks again (action_ask_preferred_language)

    def validate_handoff_best_moment(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        if value and value != "?":
            return {"handoff_best_moment": value}
        return {"handoff_best_moment": None}

    def validate_handoff_confirm(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        if value in ("ja", "nee"):
            return {"handoff_confirm": value}
        if value in FIX_FIELDS:
            # empty the field: the form asks it again, then shows the summary again
            return {"handoff_confirm": None, **{slot: None for slot in FIX_FIELDS[value]}}
        dispatcher.utter_message(response="utter_handoff_confirm_unclear")
        return {"handoff_confirm": None}


def word(domain: DomainDict, key: str, language: Optional[str] = None, **values) -> str:
    """A domain response's text in the conversation language (its variant with
    `condition: slot language = ..`), else the Dutch default, filled in."""
    variants = (domain or {}).get("responses", {}).get(key) or []
    chosen = next((v for v in variants if any(
        c.get("name") == "language" and c.get("value") == language for c in v.get("condition") or [])), None)
    default: Dict[str, Any] = next((v for v in variants if not v.get("condition")), {})
    text = (chosen or default).get("text", "")
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError):
        return text


def summary_values(tracker: Tracker, domain: DomainDict) -> Dict[str, str]:
    """The words of the summary, from domain responses, in the conversation language."""
    lang = tracker.get_slot("language")
    if tracker.get_slot("handoff_contact_method") == PHONE:
        contact = word(domain, "utter_handoff_word_phone", lang,
                       phone=tracker.get_slot("handoff_phone") or "")
    else:
        contact = word(domain, "utter_handoff_word_chat", lang)
    buurt = tracker.get_slot("handoff_buurt")
    if not buurt or buurt == NO_BUURT:
        buurt = word(domain, "utter_handoff_word_no_buurt", lang)
    language = tracker.get_slot("preferred_language") or "nl"
    language = word(domain, f"utter_handoff_word_{language}", lang) or language
    moment = tracker.get_slot("handoff_best_moment") or "maakt_niet_uit"
    if moment == "maakt_niet_uit":
        moment = word(domain, "utter_handoff_word_any_moment", lang)
    else:
        moment = word(domain, f"utter_handoff_word_{moment}", lang) or moment
    return {"contact": contact, "buurt": buurt, "reason": tracker.get_slot("handoff_reason") or "",
            "language": language, "moment": moment}


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
        dispatcher.utter_message(response="utter_handoff_summary", **summary_values(tracker, domain))
        return []


class ActionAskPreferredLanguage(Action):
    """Which language: a button per language a person can speak (ONTMOET_HANDOFF_LANGUAGES)."""

    def name(self) -> Text:
        return "action_ask_preferred_language"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        promises = current_promises()
        lang = tracker.get_slot("language")
        buttons = [{"title": word(domain, f"utter_handoff_word_{code}", lang) or code,
                    "payload": f'/inform_handoff{{"handoff_choice": "{code}"}}'}
                   for code in promises.languages]
        dispatcher.utter_message(response="utter_ask_preferred_language", buttons=buttons)
        return []


def request_fields(tracker: Tracker) -> Dict[str, Any]:
    """The keyword arguments of HandoffQueue.create_request for this conversation."""
    method = tracker.get_slot("handoff_contact_method") or CHAT
    buurt = tracker.get_slot("handoff_buurt")
    language = tracker.get_slot("preferred_language") or "nl"
    moment = tracker.get_slot("handoff_best_moment")
    return dict(
        channel=_channel(tracker),
        resident_key=tracker.sender_id,
        consent=True,
        kind=tracker.get_slot("handoff_kind") if tracker.get_slot("handoff_kind") in KINDS else "toeleiding",
        contact_method=method,
        channel_address=None,  # the channel layer keeps pseudonym -> address
        contact_phone=tracker.get_slot("handoff_phone") if method == PHONE else None,
        buurt=None if buurt in (None, NO_BUURT) else buurt,
        reason=tracker.get_slot("handoff_reason"),
        language=language,
        best_moment=None if moment in (None, "maakt_niet_uit") else moment.replace("_", " "),
    )


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
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("handoff_kind", None)]
        if tracker.get_slot("handoff_consent") is not True:
            await forget_typed_phone(tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_no_consent")
            return reset
        if tracker.get_slot("handoff_confirm") != "ja":
            await forget_typed_phone(tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_not_sent")
            return reset
        try:
            view = await handoff_runtime().submit_request(**request_fields(tracker))
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


def _reference_in(tracker: Tracker, open_refs: List[str]) -> Optional[str]:
    from bot.handoff.queue import parse_reference

    candidate = _entity(tracker, "handoff_reference") or _text(tracker)
    match = re.search(r"t\s*-?\s*\d{1,9}", candidate or "", re.IGNORECASE)
    reference = parse_reference(match.group(0) if match else candidate)
    return reference if reference in open_refs else None


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
        reference = _reference_in(tracker, open_refs)
        if reference:
            return {"handoff_cancel_ref": reference}
        if activating:
            return {"handoff_cancel_ref": open_refs[0]} if len(open_refs) == 1 else {}
        return {"handoff_cancel_ref": "?"}

    async def extract_handoff_cancel_confirm(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_cancel_confirm"):
            return {}
        return {"handoff_cancel_confirm": yes_or_no(_intent(tracker), _text(tracker)) or "?"}

    def validate_handoff_cancel_ref(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        return {"handoff_cancel_ref": value if value and value != "?" else None}

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
