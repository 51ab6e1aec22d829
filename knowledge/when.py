"""Dutch date phrases -> a time range in Europe/Amsterdam.

    resolve_when("woensdagmiddag", now) -> (wed 12:00, wed 18:00)

Relative phrases (vandaag, morgen, overmorgen, dit/volgend weekend, deze/volgende
week, a weekday, "volgende week dinsdag", weekday + dagdeel like
"woensdagmiddag" or "zaterdag avond", vanochtend/vanmiddag/vanavond) are handled
here, because the date library does not know them; explicit dates ("3 december",
"12-12-2026") go to `dateparser` (a well-kept library with Dutch support).

Rules: a weekday means its next occurrence, today included ("zaterdag" on a
Saturday is today). Ranges that include the present moment start at `now`, so
"vandaag" at 15:00 does not return the morning. Dagdelen: ochtend 06-12,
middag 12-18, avond 18-24, nacht 00-06.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Optional, Tuple
from zoneinfo import ZoneInfo

from knowledge.textnorm import normalize

TZ = ZoneInfo("Europe/Amsterdam")

WEEKDAYS = {
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6,
    "ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5, "zo": 6,
}
DAGDELEN = {
    "ochtend": (6, 12), "morgen": (6, 12), "voormiddag": (6, 12),
    "middag": (12, 18), "namiddag": (12, 18),
    "avond": (18, 24),
    "nacht": (0, 6),
}
_DAY = r"(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)"
_PART = r"(ochtend|morgen|voormiddag|middag|namiddag|avond|nacht)"

Range = Tuple[datetime, datetime]


def _local(now: Optional[datetime]) -> datetime:
    if now is None:
        return datetime.now(TZ)
    if now.tzinfo is None:
        return now.replace(tzinfo=TZ)
    return now.astimezone(TZ)


def _at(day: date, hour: int) -> datetime:
    if hour >= 24:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
    return datetime.combine(day, time(hour), tzinfo=TZ)


def _day_range(day: date, part: Optional[str] = None) -> Range:
    if part:
        start_h, end_h = DAGDELEN[part]
        return _at(day, start_h), _at(day, end_h)
    return _at(day, 0), _at(day, 24)


def _clip(span: Range, now: datetime) -> Optional[Range]:
    start, end = span
    if end <= now:
        return span  # fully in the past: keep as asked (e.g. "vanochtend" in the evening)
    return (max(start, now), end)


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def resolve_when(text: str, now: Optional[datetime] = None) -> Optional[Range]:
    """(start, end) in Europe/Amsterdam for a Dutch date phrase, or None."""
    if not text or not text.strip():
        return None
    now = _local(now)
    today = now.date()
    phrase = normalize(text)
    phrase = re.sub(r"\b(op|a\.?s\.?|aanstaande|komende|deze komende|in het|het|de|s)\b", " ", phrase)
    phrase = re.sub(r"\b(ochtend|middag|avond|morgen|nacht)s\b", r"\1", phrase)
    phrase = " ".join(phrase.split())

    # today / tomorrow, with an optional dagdeel ("morgenmiddag", "morgen avond")
    simple = {"vandaag": 0, "morgen": 1, "overmorgen": 2}
    match = re.fullmatch(r"(vandaag|overmorgen|morgen)\s?" + _PART + "?", phrase)
    if match:
        day = today + timedelta(days=simple[match.group(1)])
        return _clip(_day_range(day, match.group(2)), now)
    match = re.fullmatch(r"van" + _PART, phrase.replace(" ", ""))
    if match:
        return _clip(_day_range(today, match.group(1)), now)
    if phrase in {"vannacht"}:
        return _clip(_day_range(today, "nacht"), now)

    # weekends and weeks
    if phrase in {"dit weekend", "weekend", "deze weekend"}:
        saturday = _monday(today) + timedelta(days=5)
        return _clip((_at(saturday, 0), _at(saturday + timedelta(days=1), 24)), now)
    if phrase in {"volgend weekend", "volgende weekend"}:
        saturday = _monday(today) + timedelta(days=12)
        return (_at(saturday, 0), _at(saturday + timedelta(days=1), 24))
    if phrase in {"deze week", "week"}:
        monday = _monday(today)
        return _clip((_at(monday, 0), _at(monday + timedelta(days=6), 24)), now)
    if phrase in {"volgende week", "volgend week"}:
        monday = _monday(today) + timedelta(days=7)
        return (_at(monday, 0), _at(monday + timedelta(days=6), 24))

    # "volgende week dinsdag", "dinsdag volgende week", with optional dagdeel
    match = re.fullmatch(r"volgende? week " + _DAY + r"\s?" + _PART + "?", phrase) or re.fullmatch(
        _DAY + r"\s?" + _PART + r"? volgende? week", phrase
    )
    if match:
        groups = [g for g in match.groups()]
        weekday = WEEKDAYS[groups[0]]
        part = groups[1] if len(groups) > 1 else None
        day = _monday(today) + timedelta(days=7 + weekday)
        return _day_range(day, part)

    # a weekday, with optional dagdeel: "zaterdag", "woensdagmiddag", "zaterdag avond"
    match = re.fullmatch(_DAY + r"\s?" + _PART + "?", phrase)
    if match:
        day = _next_weekday(today, WEEKDAYS[match.group(1)])
        span = _day_range(day, match.group(2))
        if span[1] <= now:  # this weekday's part is over: next week
            span = _day_range(day + timedelta(days=7), match.group(2))
        return _clip(span, now)

    return _explicit_date(text, now)


def _explicit_date(text: str, now: datetime) -> Optional[Range]:
    import dateparser

    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(text, languages=["nl"], settings=settings)
    if parsed is None:
        return None
    if parsed.time() == time(0) or parsed.time() == now.time().replace(microsecond=0):
        return _day_range(parsed.date())
    start = parsed.replace(tzinfo=TZ)
    return start, start + timedelta(hours=2)
