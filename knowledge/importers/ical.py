"""iCalendar (.ics) agenda of a place: VEVENTs become activities.

The place is `--place KEY/NAME`, or else each event's LOCATION must name a known
place ("Gemeenschapshuis 't Ruweel", "Ruweel"), or the calendar's X-WR-CALNAME.
Supported: SUMMARY*, DTSTART*, DTEND or DURATION, RRULE (DAILY/WEEKLY/MONTHLY),
EXDATE, RECURRENCE-ID (a moved or cancelled occurrence), DESCRIPTION, UID.
Times with a TZID or in UTC are converted to Europe/Amsterdam wall-clock time.
"""
from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from knowledge.importers.common import stable_key
from knowledge.records import ActivityRecord, Bundle, ValidationProblems
from knowledge.when import TZ

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.api import KnowledgeBase

ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY"}


def _local(value) -> Optional[datetime]:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        return value.astimezone(TZ).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    return None


def parse_ics(kb: "KnowledgeBase", path: Path, place: Optional[str], warnings: List[str]) -> Bundle:
    import icalendar
    from dateutil.rrule import rrulestr

    problems = ValidationProblems(path.name)
    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
    except Exception as exc:  # icalendar raises ValueError and friends
        problems.add(None, None, f"not a valid iCalendar file: {exc}")
        problems.raise_if_any()
    default_place = None
    if place:
        found = kb.place_details(place)
        if found is None:
            problems.add(None, "--place", f"unknown place '{place}'")
        else:
            default_place = found.key
    elif calendar.get("X-WR-CALNAME"):
        found = kb.resolve_place(str(calendar.get("X-WR-CALNAME")))
        default_place = found.key if found else None
    events = list(calendar.walk("VEVENT"))
    if not events:
        problems.add(None, None, "no VEVENT in the file")
    bundle = Bundle()
    masters: Dict[str, ActivityRecord] = {}
    overrides = []
    for row, event in enumerate(events, start=1):
        uid = str(event.get("UID") or "").strip()
        where = f"{row} (UID {uid})" if uid else row
        summary = str(event.get("SUMMARY") or "").strip()
        if not summary:
            problems.add(where, "SUMMARY", "missing")
        try:
            start_raw = event.decoded("DTSTART") if event.get("DTSTART") is not None else None
        except Exception:
            start_raw = None
            problems.add(where, "DTSTART", "not a valid date-time")
        start = _local(start_raw)
        if start is None and event.get("DTSTART") is None:
            problems.add(where, "DTSTART", "missing")
        duration = None
        try:
            if event.get("DTEND") is not None:
                end = _local(event.decoded("DTEND"))
                if start is not None and end is not None:
                    if end < start:
                        problems.add(where, "DTEND", "ends before it starts")
                    duration = int((end - start).total_seconds() // 60)
            elif event.get("DURATION") is not None:
                duration = int(event.decoded("DURATION").total_seconds() // 60)
        except Exception:
            problems.add(where, "DTEND/DURATION", "not valid")
        if duration is not None and not (0 <= duration <= 7 * 24 * 60):
            problems.add(where, "DTEND/DURATION", "longer than a week")
        place_key = default_place
        location = str(event.get("LOCATION") or "").strip()
        if place_key is None:
            found = kb.resolve_place(location) if location else None
            if found is None:
                problems.add(where, "LOCATION", f"'{location}' is not a known place (or use --place)")
            else:
                place_key = found.key
        rrule = None
        if event.get("RRULE") is not None:
            rrule = event["RRULE"].to_ical().decode()
            freq = event["RRULE"].get("FREQ", [""])[0]
            if freq not in ALLOWED_FREQ:
                problems.add(where, "RRULE", f"FREQ={freq} is not supported (DAILY, WEEKLY, MONTHLY)")
            elif start is not None:
                try:
                    rrulestr(rrule, dtstart=start)
                except (ValueError, TypeError) as exc:
                    problems.add(where, "RRULE", f"not valid: {exc}")
        exdates: List[datetime] = []
        raw_ex = event.get("EXDATE")
        ex_lists = raw_ex if isinstance(raw_ex, list) else ([raw_ex] if raw_ex is not None else [])
        for item in ex_lists:
            if True:
                for dt in getattr(item, "dts", []):
                    value = _local(dt.dt)
                    if value is not None:
                        exdates.append(value)
        if str(event.get("STATUS") or "").upper() == "CANCELLED" and event.get("RECURRENCE-ID") is None:
            continue
        if not (summary and start is not None and place_key):
            continue
        recurrence_id = event.get("RECURRENCE-ID")
        raw_key = uid or f"{summary}|{start.isoformat()}"
        record = ActivityRecord(
            key=stable_key("ics", raw_key), place_key=place_key, title=summary, dtstart=start,
            duration_minutes=duration, rrule=rrule, exdates=exdates,
            description=str(event.get("DESCRIPTION") or "").strip() or None,
            source=f"import:{path.name}",
        )
        if recurrence_id is not None:
            rid = _local(event.decoded("RECURRENCE-ID"))
            record.key = stable_key("ics", f"{raw_key}|{rid.isoformat() if rid else row}")
            record.rrule = None
            record.exdates = []
            overrides.append((raw_key, rid, record, str(event.get("STATUS") or "").upper() == "CANCELLED"))
            continue
        if record.key in masters:
            problems.add(where, "UID", "duplicate UID")
        masters[record.key] = record
        bundle.activities.append(record)
    for raw_key, rid, record, cancelled in overrides:
        master = masters.get(stable_key("ics", raw_key))
        if master is None:
            problems.add(None, "RECURRENCE-ID", f"override of unknown event '{raw_key}'")
            continue
        if rid is not None:
            master.exdates.append(rid)
        if not cancelled:
            bundle.activities.append(record)
    for activity in bundle.activities:
        activity.exdates = sorted(set(activity.exdates))
    problems.raise_if_any()
    return bundle


