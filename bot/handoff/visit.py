"""An accompanied first visit (issue 18.2), as plain Python.

Inside the toeleiding request a resident may ask to go for the first time to a
place with someone (only where the operator switched it on:
ONTMOET_HANDOFF_ACCOMPANY, and not while the staff file is demo). They choose a
place of knowledge/ (real records first; a demo place is said to be one) and a
moment in words ("donderdagmiddag", "10 december"), read with knowledge/when.py
in Europe/Amsterdam. The opbouwwerker confirms it, or proposes another moment
that the resident accepts with ja (or declines with nee).

    moment = read_moment("donderdagmiddag", now)     # Moment("donderdagmiddag", start=...)
    words = moment_words(moment.text, moment.start)   # "donderdagmiddag (donderdag 10 december)"
    choices = place_choices(kb.find_places(buurt="Malberg", limit=0))

Once a visit is agreed (the opbouwwerker confirms it, or the resident says ja
to a proposed moment) `remind_before_visit` stores a reminder the day before
through bot/reminders (the generic schedule API); a moment agreed again
replaces it. Nothing else here talks to Rasa, a channel or the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from bot.handoff.models import VISIT_ASKED, VISIT_CONFIRMED, VISIT_PROPOSED

MAX_PLACE_BUTTONS = 5
PLACE_CHOICE_PREFIX = "bezoek:"  # handoff_choice of a place button: "bezoek:<place key>"
NO_PLACE = "bezoek:geen"  # "I do not know yet": the opbouwwerker helps choose
# The resident's "no visit" / "no idea which place" answers stored in the slots.
NO = "nee"
# A reminder the day before, at this hour (Europe/Amsterdam), through bot/reminders.
REMIND_HOUR = 10


@dataclass(frozen=True)
class Moment:
    text: str  # as the resident or the opbouwwerker wrote it
    start: Optional[datetime]  # naive UTC (as stored); None when it could not be read


@dataclass(frozen=True)
class PlaceChoice:
    key: str
    name: str
    is_demo: bool


def read_moment(text: Optional[str], now: Optional[datetime] = None) -> Optional[Moment]:
    """A moment in words; None when it names no day (the form asks again).

    `now`: aware, or naive UTC. The start is stored as naive UTC."""
    from knowledge.when import resolve_when

    cleaned = " ".join((text or "").split())[:200]
    if not cleaned:
        return None
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    found = resolve_when(cleaned, now)
    if found is None:
        return None
    start, end = found
    if end - start > timedelta(days=2):  # "volgende week": no day to go on
        return None
    return Moment(cleaned, start.astimezone(timezone.utc).replace(tzinfo=None))


def day_words(start: Optional[datetime], language: str = "nl") -> str:
    """"donderdag 10 december" for a stored (naive UTC) start, Dutch time."""
    from babel.dates import format_date

    from bot.staff.clock import to_local

    if start is None:
        return ""
    return format_date(to_local(start).date(), "EEEE d MMMM",
                       locale="en" if language == "en" else "nl")


def moment_words(text: Optional[str], start: Optional[datetime], language: str = "nl") -> str:
    """The moment as words with the day it means: "donderdagmiddag (donderdag 10 december)"."""
    day = day_words(start, language)
    text = (text or "").strip()
    if not day:
        return text
    if not text or text.lower() in day.lower():
        return day
    return f"{text} ({day})"


def place_choices(places: Iterable, limit: int = MAX_PLACE_BUTTONS) -> List[PlaceChoice]:
    """Buttons for places (knowledge PlaceResult or Place, nearest first):
    real records first, then demo ones; at most `limit`."""
    seen: set = set()
    real: List[PlaceChoice] = []
    demo: List[PlaceChoice] = []
    for place in places:
        if place.key in seen:
            continue
        seen.add(place.key)
        (demo if place.is_demo else real).append(PlaceChoice(place.key, place.name,
                                                             bool(place.is_demo)))
    return (real + demo)[:limit]


def place_from_choice(choice: Optional[str]) -> Optional[str]:
    """The place key of a place button ("bezoek:ruweel" -> "ruweel"); NO for "geen"."""
    if not choice or not str(choice).startswith(PLACE_CHOICE_PREFIX):
        return None
    if choice == NO_PLACE:
        return NO
    return str(choice)[len(PLACE_CHOICE_PREFIX):] or None


def moment_choice(choice: Optional[str]) -> Optional[str]:
    """The words of a moment button ("moment:morgenmiddag" -> "morgenmiddag")."""
    if choice and str(choice).startswith("moment:"):
        return str(choice)[len("moment:"):] or None
    return None


def request_fields(answer: Optional[str], place_key: Optional[str], moment: Optional[str],
                   place_lookup: Callable[[str], Optional[PlaceChoice]],
                   now: Optional[datetime] = None) -> Dict[str, Any]:
    """The visit keyword arguments of HandoffQueue.create_request: none unless
    the resident said ja and named a moment. `place_lookup(key)`: the place of
    knowledge/ (name, demo or not), None when it is not (or no longer) there."""
    if answer != "ja" or not moment:
        return {}
    found = read_moment(moment, now)
    fields: Dict[str, Any] = dict(visit_moment=found.text if found else moment,
                                  visit_start=found.start if found else None)
    place = place_lookup(place_key) if place_key and place_key != NO else None
    if place is not None:
        fields.update(visit_place_key=place.key, visit_place=place.name,
                      visit_place_demo=place.is_demo)
    return fields


def required_visit_slots(offered: bool, answer: Optional[str]) -> Sequence[str]:
    """Which visit questions the form asks: none when not offered; only the
    first when the resident said nee."""
    if not offered:
        return ()
    if answer == NO:
        return ("handoff_visit",)
    return ("handoff_visit", "handoff_visit_place", "handoff_visit_moment")


def status_label(status: Optional[str]) -> str:
    """The staff word for a visit status (staff_texts.yml labels: visit)."""
    from bot.handoff.texts import staff_label

    return staff_label("visit", status)


def staff_line(view) -> str:
    """The visit of a request (queue.RequestView) in staff words; "-" for none."""
    from bot.handoff.texts import staff_text

    if not getattr(view, "visit_status", None):
        return "-"
    place = view.visit_place or staff_text("visit_no_place")
    if view.visit_place and view.visit_place_demo:
        place += " " + staff_text("visit_demo_mark")
    return staff_text("visit_line", place=place,
                      moment=moment_words(view.visit_moment, view.visit_start) or "-",
                      status=status_label(view.visit_status))


def reminder_at(start: Optional[datetime]) -> Optional[datetime]:
    """When to remind the resident: the day before the visit at REMIND_HOUR,
    Dutch time (naive UTC); None without a start."""
    from bot.staff.clock import to_local

    if start is None:
        return None
    local = to_local(start)
    day_before = (local - timedelta(days=1)).replace(hour=REMIND_HOUR, minute=0, second=0,
                                                     microsecond=0)
    return day_before.astimezone(timezone.utc).replace(tzinfo=None)


__all__ = ["Moment", "PlaceChoice", "read_moment", "moment_words", "day_words",
           "place_choices", "place_from_choice", "required_visit_slots", "reminder_at",
           "VISIT_ASKED", "VISIT_PROPOSED", "VISIT_CONFIRMED"]


def will_remind(start: Optional[datetime], now: datetime) -> bool:
    """Is the day-before reminder still ahead (naive UTC `now`)?"""
    due = reminder_at(start)
    return due is not None and due > now


def reminder_params(view) -> Dict[str, Any]:
    """The catalogue text reminder_visit's {moment}, in the request's language."""
    from bot.handoff.texts import resident_text

    language = view.language or "nl"
    place = view.visit_place or resident_text("handoff_visit_no_place", language)
    return {"moment": resident_text("handoff_visit_reminder_moment", language, place=place,
                                    moment=moment_words(view.visit_moment, view.visit_start,
                                                        language))}


def remind_before_visit(store, view, now: Optional[datetime] = None):
    """Schedule the reminder the day before an agreed visit (a ReminderStore of
    bot/reminders, on the queue's database); an earlier visit reminder of the
    same request is stopped first. None when there is nothing to remind of
    (no start, or the day before has passed)."""
    from bot.reminders.models import OPEN_STATES, VISIT

    now = now or store.now()
    if not view.resident_key or view.visit_status != VISIT_CONFIRMED \
            or not will_remind(view.visit_start, now):
        return None
    old = [r.id for r in store.for_resident(view.resident_key)
           if r.kind == VISIT and r.subject == view.reference and r.state in OPEN_STATES]
    if old:
        store.stop(view.resident_key, ids=old)
    return store.schedule(view.resident_key, view.channel, reminder_at(view.visit_start),
                          "reminder_visit", reminder_params(view), kind=VISIT,
                          event_at=view.visit_start, subject=view.reference,
                          address=view.channel_address, language=view.language or "nl",
                          now=now)


async def remind_before_visit_async(queue, view) -> None:
    """remind_before_visit on the queue's database, in a worker thread."""
    import asyncio

    from bot.reminders.store import ReminderStore

    await asyncio.to_thread(remind_before_visit, ReminderStore(queue.engine, clock=queue.now),
                            view)
