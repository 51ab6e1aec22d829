"""Time as staff see it: Dutch local time, and a request's age against the
response time promised to residents.

    local_time(view.created_at)                 -> "02-03-2026 10:00" (Europe/Amsterdam)
    promised_hours(settings)                    -> 48.0
    response_clock(view, promised_hours(settings), utcnow())

The promise is ONTMOET_HANDOFF_EXPECTED_TIME (what residents are told, e.g.
"binnen 48 uur"); when it states no number of hours (e.g. "binnen 2
werkdagen", or nothing is promised), ONTMOET_HANDOFF_ESCALATE_AFTER_HOURS is
the measure, the same moment the coordinator is warned.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

TIMEZONE = "Europe/Amsterdam"
_ZONE = ZoneInfo(TIMEZONE)
_HOURS_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:uur|u\b|hours?\b)", re.IGNORECASE)


def to_local(value: datetime) -> datetime:
    """A naive UTC time (as stored) in Europe/Amsterdam."""
    return value.replace(tzinfo=timezone.utc).astimezone(_ZONE)


def local_time(value: Optional[datetime]) -> str:
    """"dd-mm-jjjj uu:mm" in Europe/Amsterdam; "-" for no time."""
    if value is None:
        return "-"
    return to_local(value).strftime("%d-%m-%Y %H:%M")


def promised_hours(settings) -> float:
    """The hours within which contact is promised (see the module's docstring)."""
    match = _HOURS_RE.search(settings.handoff_expected_time or "")
    if match:
        return float(match.group(1).replace(",", "."))
    return float(settings.handoff_escalate_after_hours)


def hours_text(hours: float) -> str:
    """48.0 -> "48 uur"; 0.5 -> "minder dan 1 uur"; 80 -> "3 dagen en 8 uur"."""
    if hours < 1:
        return "minder dan 1 uur"
    whole = int(hours)
    if whole <= 48:
        return f"{whole} uur"
    days, rest = divmod(whole, 24)
    day_word = "dag" if days == 1 else "dagen"
    return f"{days} {day_word}" + (f" en {rest} uur" if rest else "")


@dataclass(frozen=True)
class ResponseClock:
    """How long a request has waited for contact, against the promise."""

    age_hours: float  # since the request came in (until the close, for a closed one)
    promised_hours: float
    contact_after_hours: Optional[float]  # when an opbouwwerker first made contact
    overdue: bool  # no contact yet and the promised time has passed
    escalated: bool  # the coordinator was warned (escalated_at)

    @property
    def age_text(self) -> str:
        return hours_text(self.age_hours)

    @property
    def promised_text(self) -> str:
        return hours_text(self.promised_hours)

    @property
    def contact_text(self) -> Optional[str]:
        return None if self.contact_after_hours is None else hours_text(self.contact_after_hours)


def response_clock(view, promised: float, now: datetime) -> ResponseClock:
    """The clock of a queue RequestView at `now` (naive UTC)."""
    end = view.closed_at or now
    age = max(0.0, (end - view.created_at).total_seconds() / 3600)
    contact = None
    if view.in_contact_at is not None:
        contact = max(0.0, (view.in_contact_at - view.created_at).total_seconds() / 3600)
    return ResponseClock(age_hours=age, promised_hours=promised, contact_after_hours=contact,
                         overdue=contact is None and view.is_open and age > promised,
                         escalated=view.escalated_at is not None)
