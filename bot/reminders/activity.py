"""Reminders for an activity from knowledge: which moments, and for which record.

Only an activity record of the knowledge base with a start time can get a
reminder: the button the resident presses carries the record key and the
start of the occurrence (`pick_token`), and `find_occurrence` looks that
occurrence up again before anything is stored (a made-up token finds nothing).
Times are in Europe/Amsterdam (knowledge/when.py).

    plan_activity(occurrence, now, hour_before=True, day_before_hour=10)
      -> [(ACTIVITY_DAY, due, params), (ACTIVITY_HOUR, due, params)]

The day-before reminder goes the day before at `day_before_hour` (local time);
the hour-before one an hour before the start. A moment that has passed already
is left out.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Dict, List, Optional, Tuple

from bot.reminders.models import ACTIVITY_DAY, ACTIVITY_HOUR
from knowledge.when import TZ

_TOKEN_FORMAT = "%Y%m%dT%H%M"
WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Planned = Tuple[str, datetime, Dict[str, Any]]


def pick_token(occurrence) -> str:
    """"<record key>@<local start>" for a button payload."""
    return f"{occurrence.activity_key}@{occurrence.start.astimezone(TZ).strftime(_TOKEN_FORMAT)}"


def parse_token(token: Any) -> Optional[Tuple[str, datetime]]:
    if not isinstance(token, str) or "@" not in token or len(token) > 200:
        return None
    key, _, stamp = token.rpartition("@")
    try:
        start = datetime.strptime(stamp, _TOKEN_FORMAT).replace(tzinfo=TZ)
    except ValueError:
        return None
    return (key, start) if key else None


def find_occurrence(kb, token: Any):
    """The activity occurrence behind a pick token, from the knowledge base, or None."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    key, start = parsed
    for occurrence in kb.activities(start - timedelta(minutes=1), start + timedelta(minutes=1)):
        if occurrence.activity_key == key and occurrence.start.astimezone(TZ) == start:
            return occurrence
    return None


def activity_params(occurrence, place: str, language: str = "nl") -> Dict[str, Any]:
    start = occurrence.start.astimezone(TZ)
    days = WEEKDAYS_EN if language == "en" else WEEKDAYS_NL
    return {"title": occurrence.title, "place": place, "day": days[start.weekday()],
            "date": start.strftime("%d-%m"), "time": start.strftime("%H:%M"),
            "demo": bool(occurrence.is_demo)}


def day_before(start: datetime, hour: int = 10) -> datetime:
    """The day before `start`, at `hour` o'clock in Maastricht (summer or winter time)."""
    local = start.astimezone(TZ)
    return datetime.combine(local.date() - timedelta(days=1), time(hour), tzinfo=TZ)


def plan_activity(occurrence, now: datetime, hour_before: bool, place: str,
                  day_before_hour: int = 10, language: str = "nl") -> List[Planned]:
    """The reminders to store for one occurrence (see the module's docstring)."""
    params = activity_params(occurrence, place, language)
    start = occurrence.start
    wanted: List[Planned] = [(ACTIVITY_DAY, day_before(start, day_before_hour), params)]
    if hour_before:
        wanted.append((ACTIVITY_HOUR, start - timedelta(hours=1), params))
    return [(kind, due, values) for kind, due, values in wanted if due > now]


# -- what the dialogue shows (actions/reminders.py) ------------------------------------
def local_moment(value: datetime, language: str = "nl") -> Dict[str, str]:
    """day / date / time of a naive-UTC or aware time, in Maastricht."""
    from datetime import timezone

    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    local = aware.astimezone(TZ)
    days = WEEKDAYS_EN if language == "en" else WEEKDAYS_NL
    return {"day": days[local.weekday()], "date": local.strftime("%d-%m"),
            "time": local.strftime("%H:%M")}


def button_title(text: str) -> str:
    """At most 20 characters (WhatsApp's reply buttons), without "(voorbeeld)"
    and the like, cut at a word where it can be."""
    import re

    plain = re.sub(r"\s*\([^)]*\)", "", text).strip()
    if len(plain) <= 20:
        return plain
    cut = plain[:20]
    return cut.rsplit(" ", 1)[0] if " " in cut[6:] else cut


def offer_buttons(tokens_titles: List[Tuple[str, str]], yes: str, no: str) -> List[Dict[str, str]]:
    """The Ja/Nee buttons after an activity answer: one Ja per activity when there
    are several (its date and title, at most 20 characters for WhatsApp)."""
    def want(token: str) -> str:
        return '/want_reminder{"reminder_pick": "%s"}' % token

    buttons = []
    if len(tokens_titles) == 1:
        buttons.append({"title": yes, "payload": want(tokens_titles[0][0])})
    else:
        for token, title in tokens_titles:
            buttons.append({"title": button_title(title), "payload": want(token)})
    buttons.append({"title": no, "payload": "/no_reminder"})
    return buttons


def group_upcoming(views) -> List[List[Any]]:
    """The resident's upcoming reminders, one group per activity moment (the
    day-before and hour-before reminders of one activity are listed together)."""
    groups: Dict[Tuple[Any, ...], List[Any]] = {}
    for view in views:
        groups.setdefault((view.kind if view.subject is None else view.subject,
                           view.event_at), []).append(view)
    return list(groups.values())


def stop_payload(group) -> str:
    return '/stop_reminders{"reminder_id": "%s"}' % ",".join(str(v.id) for v in group)


def parse_ids(value: Any) -> Optional[List[int]]:
    """"12,13" -> [12, 13]; None for no or a malformed value."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()][:20] or None
    except ValueError:
        return None
