"""The toeleiding form's rules, as plain Python: what an answer means, whether it
is valid, and what is stored. actions/handoff.py reads the slots, calls these
and dispatches the responses they name.

    yes_or_no("affirm", "")                       -> "ja"
    check_phone("06 12345678")                    -> Check({"handoff_phone": "+31612345678"})
    check_buurt("malberg", kb.resolve_buurt ...)  -> Check({"handoff_buurt": "Malberg"})
    request_fields(slots, channel="telegram", resident_key=pseudonym)

A `Check` holds the slot values to set and, when the answer was not usable, the
domain response that says so (the form then asks again). Every text is a domain
response (domain.yml, handoff sections); nothing here talks to Rasa.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.handoff.models import KINDS
from bot.handoff.queue import parse_reference
from bot.phone import find_phone, normalise_phone

NO_BUURT = "-"
CHAT, PHONE = "chat", "telefoon"
MOMENTS = ("ochtend", "middag", "avond", "maakt_niet_uit")
VISIT_SLOTS = ("handoff_visit", "handoff_visit_place", "handoff_visit_moment")
FIX_FIELDS = {
    "fix_contact": ("handoff_contact_method", "handoff_phone"),
    "fix_buurt": ("handoff_buurt",),
    "fix_reason": ("handoff_reason",),
    "fix_language": ("preferred_language",),
    "fix_moment": ("handoff_best_moment",),
    "fix_visit": VISIT_SLOTS,
}
FORM_SLOTS = (
    "handoff_consent", "handoff_contact_method", "handoff_phone", "handoff_buurt",
    "handoff_reason", "handoff_best_moment", *VISIT_SLOTS, "handoff_confirm",
)
# Every intent of domain.yml is in exactly one of these two sets (a test checks).
# Not an answer to the question asked inside a form: the form rejects, so
# digression rules and the generic way-out rules can run.
NOT_AN_ANSWER = frozenset({
    "goodbye", "help", "bot_challenge", "crisis", "crisis_check", "privacy_info", "start_over",
    "handoff_status", "cancel_request", "delete_my_data", "ask_place_details",
    "find_meeting_place", "find_activity", "ask_subsidy", "precheck_subsidy", "express_loneliness",
    "other_language", "speak_dutch", "speak_english", "speak_simpler", "speak_normal",
})
# May be the answer: the words typed are read as the answer to the question
# (a free-text reason is often classified as something else).
MAY_BE_AN_ANSWER = frozenset({
    "affirm", "deny", "inform_handoff", "inform_location", "share_location", "greet", "thank",
    "out_of_scope", "nlu_fallback", "more_places", "next_step", "start_initiative", "volunteer",
    "board_support", "request_toeleiding", "request_human",
    # reminders (bot/reminders/): no digression rule in the form; read as the answer
    "want_reminder", "no_reminder", "reminder_hour", "list_reminders", "stop_reminders",
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
UNCLEAR = "?"  # an answer was given but not understood: validation asks again


@dataclass(frozen=True)
class Check:
    """Slot values to set, and the domain response to utter first (if any)."""

    slots: Dict[str, Any] = field(default_factory=dict)
    response: Optional[str] = None


# --------------------------------------------------------------------------
# Reading answers
# --------------------------------------------------------------------------
def _words(text: str) -> List[str]:
    return re.findall(r"[\wÀ-ÿ']+", text.lower())


def _has_word(text: str, options: Iterable[str]) -> bool:
    lowered = " " + " ".join(_words(text)) + " "
    return any(f" {option} " in lowered for option in options)


def is_answer(intent: Optional[str], allow: Sequence[str] = ()) -> bool:
    """May a message with this intent answer the question asked?"""
    return intent in allow or intent not in NOT_AN_ANSWER


def answers_question(events: Sequence[Mapping[str, Any]], form: Optional[str]) -> bool:
    """False when the form runs again after a digression: another action than the
    form (or listening) ran after the latest user message (tracker events, newest last)."""
    for event in reversed(events or []):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in (form, "action_listen"):
            return False
    return True


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
        return str(entity)
    if intent == "request_human":
        return "mens"
    return "toeleiding"


def consent_answer(intent: Optional[str], text: str) -> Dict[str, Any]:
    answer = yes_or_no(intent, text)
    return {"handoff_consent": {"ja": True, "nee": False}.get(answer or "", UNCLEAR)}


def contact_answer(choice: Optional[str], text: str) -> Dict[str, Any]:
    if choice in (CHAT, PHONE):
        return {"handoff_contact_method": choice}
    phone = find_phone(text)
    if phone:  # they typed their number straight away
        return {"handoff_contact_method": PHONE, "handoff_phone": phone}
    return {"handoff_contact_method": contact_method_from_text(text) or UNCLEAR}


def buurt_answer(choice: Optional[str], buurt: Optional[str], text: str) -> Dict[str, Any]:
    if choice == "geen_buurt":
        return {"handoff_buurt": NO_BUURT}
    return {"handoff_buurt": buurt or text or UNCLEAR}


def language_answer(choice: Optional[str], text: str) -> Dict[str, Any]:
    if choice in LANGUAGE_WORDS:
        return {"preferred_language": choice}
    return {"preferred_language": language_from_text(text) or UNCLEAR}


def moment_answer(choice: Optional[str], text: str) -> Dict[str, Any]:
    if choice in MOMENTS:
        return {"handoff_best_moment": choice}
    return {"handoff_best_moment": moment_from_text(text) or UNCLEAR}


def confirm_answer(choice: Optional[str], intent: Optional[str], text: str) -> Dict[str, Any]:
    if choice in FIX_FIELDS:
        return {"handoff_confirm": choice}
    return {"handoff_confirm": fix_from_text(text) or yes_or_no(intent, text) or UNCLEAR}


# --------------------------------------------------------------------------
# Validating answers (value None: the slot was cleared, not answered)
# --------------------------------------------------------------------------
def check_consent(value: Any) -> Check:
    if value is None:
        return Check()
    if value in (True, False):
        return Check({"handoff_consent": value})
    return Check({"handoff_consent": None}, "utter_handoff_consent_unclear")


def check_contact_method(value: Any) -> Check:
    if value is None:
        return Check()
    if value in (CHAT, PHONE):
        return Check({"handoff_contact_method": value})
    return Check({"handoff_contact_method": None}, "utter_handoff_contact_unclear")


def check_phone(value: Any) -> Check:
    if value is None:
        return Check()
    phone = normalise_phone(value) or find_phone(value)
    if phone:
        return Check({"handoff_phone": phone})
    return Check({"handoff_phone": None}, "utter_handoff_phone_invalid")


def resolve_buurt(text: str, resolve: Callable[[str], Any],
                  buurten_for_postcode: Callable[[str], List[str]]) -> Optional[str]:
    """The knowledge base's name for a typed buurt, or the one buurt of a postcode."""
    match = resolve(text)
    if match:
        return match.name
    digits = re.sub(r"\D", "", text)
    if len(digits) == 4:
        buurten = buurten_for_postcode(digits)
        if len(buurten) == 1:
            return buurten[0]
    return None


def check_buurt(value: Any, resolve: Callable[[str], Optional[str]]) -> Check:
    """`resolve`: typed text -> the buurt's name, or None when unknown."""
    if value is None:
        return Check()
    if value == NO_BUURT:
        return Check({"handoff_buurt": NO_BUURT})
    name = resolve(str(value)) if value and value != UNCLEAR else None
    if name:
        return Check({"handoff_buurt": name})
    return Check({"handoff_buurt": None}, "utter_handoff_buurt_unknown")


def check_reason(value: Any) -> Check:
    if value is None:
        return Check()
    text = (value or "").strip()
    if len(text) >= 3 and yes_or_no(None, text) is None:
        return Check({"handoff_reason": text[:1000]})
    return Check({"handoff_reason": None}, "utter_handoff_reason_too_short")


def check_chosen(slot: str, value: Any) -> Check:
    """Language and best moment: any understood answer; else the form asks again."""
    if value is None:
        return Check()
    return Check({slot: value if value and value != UNCLEAR else None})


def check_confirm(value: Any) -> Check:
    if value is None:
        return Check()
    if value in ("ja", "nee"):
        return Check({"handoff_confirm": value})
    if value in FIX_FIELDS:
        # empty the field: the form asks it again, then shows the summary again
        return Check({"handoff_confirm": None, **{slot: None for slot in FIX_FIELDS[value]}})
    return Check({"handoff_confirm": None}, "utter_handoff_confirm_unclear")


def required_slots(slots: Sequence[str], consent: Any, contact_method: Any,
                   visit_offered: bool = False, visit: Any = None) -> List[str]:
    """No consent: only the consent question (the form ends); no phone for chat;
    the first-visit questions only where offered (bot/handoff/visit.py), and
    after "nee" only the first."""
    from bot.handoff.visit import required_visit_slots

    if consent is False:
        return ["handoff_consent"]
    wanted = list(slots)
    if contact_method == CHAT and "handoff_phone" in wanted:
        wanted.remove("handoff_phone")
    keep = required_visit_slots(visit_offered, visit)
    return [slot for slot in wanted if slot not in VISIT_SLOTS or slot in keep]


# --------------------------------------------------------------------------
# An accompanied first visit (bot/handoff/visit.py)
# --------------------------------------------------------------------------
def visit_answer(intent: Optional[str], text: str) -> Dict[str, Any]:
    return {"handoff_visit": yes_or_no(intent, text) or UNCLEAR}


def check_visit(value: Any) -> Check:
    if value is None:
        return Check()
    if value in ("ja", "nee"):
        return Check({"handoff_visit": value})
    return Check({"handoff_visit": None}, "utter_handoff_visit_unclear")


def visit_place_answer(choice: Optional[str], text: str,
                       resolve: Callable[[str], Optional[str]]) -> Dict[str, Any]:
    """A place button, or a typed name (`resolve`: text -> place key or None)."""
    from bot.handoff.visit import place_from_choice

    chosen = place_from_choice(choice)
    if chosen:
        return {"handoff_visit_place": chosen}
    if yes_or_no(None, text) == "nee" or _has_word(text, ("weet niet", "geen idee", "nog niet")):
        return {"handoff_visit_place": "nee"}
    return {"handoff_visit_place": (resolve(text) if text else None) or UNCLEAR}


def check_visit_place(value: Any) -> Check:
    if value is None:
        return Check()
    if value and value != UNCLEAR:
        return Check({"handoff_visit_place": value})
    return Check({"handoff_visit_place": None}, "utter_handoff_visit_place_unknown")


def visit_moment_answer(choice: Optional[str], text: str) -> Dict[str, Any]:
    from bot.handoff.visit import moment_choice

    return {"handoff_visit_moment": moment_choice(choice) or text or UNCLEAR}


def check_visit_moment(value: Any, now=None) -> Check:
    """A moment that names a day ("donderdagmiddag", "10 december"); else asked again."""
    from bot.handoff.visit import read_moment

    if value is None:
        return Check()
    found = read_moment(str(value), now) if value != UNCLEAR else None
    if found is not None:
        return Check({"handoff_visit_moment": found.text})
    return Check({"handoff_visit_moment": None}, "utter_handoff_visit_moment_unclear")


# --------------------------------------------------------------------------
# The summary and the stored request
# --------------------------------------------------------------------------
def word(domain: Mapping[str, Any], key: str, language: Optional[str] = None, **values) -> str:
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


def summary_values(slots: Mapping[str, Any], domain: Mapping[str, Any]) -> Dict[str, str]:
    """The words of the summary, from domain responses, in the conversation language."""
    lang = slots.get("language")
    if slots.get("handoff_contact_method") == PHONE:
        contact = word(domain, "utter_handoff_word_phone", lang,
                       phone=slots.get("handoff_phone") or "")
    else:
        contact = word(domain, "utter_handoff_word_chat", lang)
    buurt = slots.get("handoff_buurt")
    if not buurt or buurt == NO_BUURT:
        buurt = word(domain, "utter_handoff_word_no_buurt", lang)
    language = slots.get("preferred_language") or "nl"
    language = word(domain, f"utter_handoff_word_{language}", lang) or language
    moment = slots.get("handoff_best_moment") or "maakt_niet_uit"
    if moment == "maakt_niet_uit":
        moment = word(domain, "utter_handoff_word_any_moment", lang)
    else:
        moment = word(domain, f"utter_handoff_word_{moment}", lang) or moment
    return {"contact": contact, "buurt": buurt, "reason": slots.get("handoff_reason") or "",
            "language": language, "moment": moment}


def request_fields(slots: Mapping[str, Any], channel: str, resident_key: str) -> Dict[str, Any]:
    """The keyword arguments of HandoffQueue.create_request for these slots."""
    method = slots.get("handoff_contact_method") or CHAT
    buurt = slots.get("handoff_buurt")
    moment = slots.get("handoff_best_moment")
    kind = slots.get("handoff_kind")
    return dict(
        channel=channel,
        resident_key=resident_key,
        consent=True,
        kind=kind if kind in KINDS else "toeleiding",
        contact_method=method,
        channel_address=None,  # the channel layer keeps pseudonym -> address
        contact_phone=slots.get("handoff_phone") if method == PHONE else None,
        buurt=None if buurt in (None, NO_BUURT) else buurt,
        reason=slots.get("handoff_reason"),
        language=slots.get("preferred_language") or "nl",
        best_moment=None if moment in (None, "maakt_niet_uit") else str(moment).replace("_", " "),
    )


def reference_in(text: Optional[str], open_references: Sequence[str]) -> Optional[str]:
    """The resident's open request named in `text` ("T-42", "t42", "42")."""
    match = re.search(r"t\s*-?\s*\d{1,9}", text or "", re.IGNORECASE)
    reference = parse_reference(match.group(0) if match else text)
    return reference if reference in open_references else None
