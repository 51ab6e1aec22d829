"""What the assistant may promise about the help of an opbouwwerker (issue 16).

Nothing is promised that the operator did not set: how soon someone makes
contact (ONTMOET_HANDOFF_EXPECTED_TIME), whether someone can go along to a first
visit (ONTMOET_HANDOFF_ACCOMPANY), whether an interpreter can be arranged
(ONTMOET_HANDOFF_INTERPRETER) and which languages a person speaks with the
resident (ONTMOET_HANDOFF_LANGUAGES). While the staff file is demo (no real
opbouwwerkers), every reply says that this is a trial and that nobody will call.

Pure functions: they return the names of domain responses (domain.yml, handoff sections)
and their values; the actions only say them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

# kinds of request (actions/handoff.KINDS) where going along to a visit matters
VISIT_KINDS = ("toeleiding", "eenzaamheid")

Reply = Tuple[str, Dict[str, str]]


@dataclass(frozen=True)
class Promises:
    trial: bool  # the staff file is demo: nobody will make contact
    expected_time: str  # "" = no time promised
    accompany: bool
    interpreter: bool
    languages: Tuple[str, ...]

    def offers_visit(self, kind: Optional[str]) -> bool:
        """Ask about going to a first visit together (bot/handoff/visit.py)? Only
        where the operator switched it on, not in a trial, for a place or loneliness."""
        return self.accompany and not self.trial and (kind or "toeleiding") in VISIT_KINDS

    def speaks(self, language: Optional[str]) -> bool:
        return (language or "nl") in self.languages


def parse_languages(value: str) -> Tuple[str, ...]:
    codes = tuple(code.strip().lower() for code in (value or "").split(",") if code.strip())
    return codes or ("nl",)


def promises_from(settings, roster_demo: bool) -> Promises:
    """The promises of this deployment: the settings, and whether staff is demo."""
    return Promises(
        trial=bool(roster_demo),
        expected_time=(settings.handoff_expected_time or "").strip(),
        accompany=bool(settings.handoff_accompany),
        interpreter=bool(settings.handoff_interpreter),
        languages=parse_languages(settings.handoff_languages),
    )


def intro_replies(promises: Promises, kind: Optional[str]) -> List[Reply]:
    """What is said before the first question of the handoff form."""
    if promises.trial:
        replies: List[Reply] = [("utter_handoff_intro_trial", {})]
    elif promises.expected_time:
        replies = [("utter_handoff_intro", {"expected_time": promises.expected_time})]
    else:
        replies = [("utter_handoff_intro_no_time", {})]
    if promises.offers_visit(kind):
        replies.append(("utter_handoff_accompany", {}))
    return replies


def stored_reply(promises: Promises, reference: str) -> Reply:
    """The confirmation after the request is stored (only after the commit)."""
    if promises.trial:
        return "utter_handoff_stored_trial", {"reference": reference}
    if promises.expected_time:
        return "utter_handoff_stored", {"reference": reference, "expected_time": promises.expected_time}
    return "utter_handoff_stored_no_time", {"reference": reference}


def language_reply(promises: Promises, language: Optional[str], language_words: str) -> Optional[Reply]:
    """After the resident chose a language nobody speaks: interpreter or not.

    `language_words` are the configured languages in words ("Nederlands")."""
    if promises.speaks(language):
        return None
    if promises.interpreter:
        return "utter_handoff_language_interpreter", {"languages": language_words}
    return "utter_handoff_language_no_interpreter", {"languages": language_words}


def person_offer_key(promises_interpreter: bool) -> str:
    """The catalogue text that offers a person to a resident writing another language."""
    return "language_person_offer_interpreter" if promises_interpreter else "language_person_offer"
