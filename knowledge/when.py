"""Dutch date phrases -> a time range in Europe/Amsterdam.

    resolve_when("woensdagmiddag", now) -> (wed 12:00, wed 18:00)

The phrase may stand anywhere in a resident's sentence ("Welke activiteiten zijn
er op woensdag in Nazareth?"). Relative phrases (vandaag, morgen, overmorgen,
dit/volgend weekend, deze/volgende week, deze/volgende maand, "over twee weken",
"over 3 dagen", a weekday, "volgende week dinsdag", weekday + dagdeel like
"woensdagmiddag" or "zaterdag avond", vanochtend/vanmiddag/vanavond, a dagdeel
alone, a time on a day: "donderdag om 10 uur") are handled here, because the
date library does not know them; explicit dates ("3 december", "12-12-2026")
are found here and parsed by `dateparser` (a well-kept library with Dutch
support). A time narrows a day to two hours from that time.

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


def current_time() -> datetime:
    """The current time in Maastricht: the one clock of date phrases and
    activity searches (tests replace it to control the day)."""
    return datetime.now(TZ)


def _local(now: Optional[datetime]) -> datetime:
    if now is None:
        return current_time()
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


_NUMBER_WORDS = {"een": 1, "1": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
                 "zeven": 7, "acht": 8, "negen": 9, "tien": 10}
_MONTHS = r"(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december" \
          r"|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)"
_LONE_DAYS = r"(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)"


def _prepare(text: str) -> str:
    """Normalised text with the filler words of date phrases taken out.

    "'s morgens" is the morning (not tomorrow): it becomes "ochtend" before
    "morgen" is read as a day."""
    phrase = normalize(text)
    phrase = re.sub(r"\bs\s?morgens\b", " ochtend ", phrase)
    phrase = re.sub(r"\b(op|a\.?s\.?|aanstaande|komende|deze komende|in het|in de|het|de|s)\b", " ", phrase)
    phrase = re.sub(r"\b(ochtend|middag|avond|nacht)s\b", r"\1", phrase)
    return " ".join(phrase.split())


def _clock_time(raw: str, part: Optional[str]) -> Optional[time]:
    """"om 10 uur", "om 14:30", "10 uur": a time on the day named; afternoon
    and evening move a small hour past noon ("middag om 2 uur" is 14:00)."""
    match = (re.search(r"\bom (\d{1,2})(?:[:.](\d{2}))?(?: ?uur| ?u)?\b", raw)
             or re.search(r"\b(\d{1,2})[:.](\d{2})\b", raw)
             or re.search(r"\b(\d{1,2}) ?uur\b()", raw))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if part in {"middag", "namiddag", "avond"} and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _on_day(day: date, part: Optional[str], raw: str) -> Range:
    """A day, narrowed to a dagdeel, or to two hours from a time on it."""
    at = _clock_time(raw, part)
    if at is not None:
        start = datetime.combine(day, at, tzinfo=TZ)
        return start, start + timedelta(hours=2)
    return _day_range(day, part)


def _month_range(year: int, month: int) -> Range:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    nxt_year, nxt_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return _at(date(year, month, 1), 0), _at(date(nxt_year, nxt_month, 1), 0)


def resolve_when(text: str, now: Optional[datetime] = None) -> Optional[Range]:
    """(start, end) in Europe/Amsterdam for the date phrase in a Dutch text, or None.

    The phrase may stand inside a whole sentence ("wat is er op woensdag in
    Nazareth?"); the first kind of phrase below that is found wins."""
    if not text or not text.strip():
        return None
    now = _local(now)
    today = now.date()
    phrase = _prepare(text)
    if not phrase:
        return None
    if phrase in WEEKDAYS:  # "do", "za": abbreviations only when they stand alone
        phrase = next(name for name, number in WEEKDAYS.items()
                      if number == WEEKDAYS[phrase] and len(name) > 2)
    raw = " ".join(text.lower().split())  # digits keep their ":" and "-" here
    part_of = re.search(r"\b(ochtend|voormiddag|middag|namiddag|avond|nacht)\b", phrase)
    part = part_of.group(1) if part_of else None

    # "over twee weken", "over 3 dagen", "over een maand"
    match = re.search(r"\bover (\w+) (dag|dagen|week|weken|maand|maanden)\b", phrase)
    if match and (match.group(1) in _NUMBER_WORDS or match.group(1).isdigit()):
        count = _NUMBER_WORDS.get(match.group(1)) or int(match.group(1))
        unit = match.group(2)
        if unit.startswith("dag"):
            return _on_day(today + timedelta(days=count), part, raw)
        if unit in {"week", "weken"}:
            monday = _monday(today + timedelta(days=7 * count))
            return _at(monday, 0), _at(monday + timedelta(days=6), 24)
        return _month_range(today.year, today.month + count)

    # months
    if re.search(r"\bvolgende? maand\b", phrase):
        return _month_range(today.year, today.month + 1)
    if re.search(r"\bdeze maand\b", phrase):
        return _clip(_month_range(today.year, today.month), now)

    # "volgende week dinsdag", "dinsdag volgende week", with optional dagdeel
    match = (re.search(r"\bvolgende? week " + _LONE_DAYS + r"\s?" + _PART + r"?\b", phrase)
             or re.search(r"\b" + _LONE_DAYS + r"\s?" + _PART + r"? volgende? week\b", phrase))
    if match:
        day = _monday(today) + timedelta(days=7 + WEEKDAYS[match.group(1)])
        return _on_day(day, match.group(2) or part, raw)

    # weekends and weeks
    if re.search(r"\bvolgende? weekend\b", phrase):
        saturday = _monday(today) + timedelta(days=12)
        return _at(saturday, 0), _at(saturday + timedelta(days=1), 24)
    if re.search(r"\bweekend\b", phrase):
        saturday = _monday(today) + timedelta(days=5)
        return _clip((_at(saturday, 0), _at(saturday + timedelta(days=1), 24)), now)
    if re.search(r"\bvolgende? week\b", phrase):
        monday = _monday(today) + timedelta(days=7)
        return _at(monday, 0), _at(monday + timedelta(days=6), 24)
    if re.search(r"\b(deze )?week\b", phrase) and not re.search(r"\bweken\b", phrase):
        monday = _monday(today)
        return _clip((_at(monday, 0), _at(monday + timedelta(days=6), 24)), now)

    # today / tomorrow, with an optional dagdeel or time ("morgenmiddag", "morgen om 10 uur")
    match = re.search(r"\b(vandaag|overmorgen|morgen)\s?" + _PART + r"?\b", phrase)
    if match:
        offset = {"vandaag": 0, "morgen": 1, "overmorgen": 2}[match.group(1)]
        return _clip(_on_day(today + timedelta(days=offset), match.group(2) or part, raw), now)
    match = re.search(r"\bvan ?" + _PART + r"\b", phrase)
    if match:
        return _clip(_day_range(today, match.group(1)), now)

    # a weekday, with optional dagdeel or time: "zaterdag", "woensdagmiddag", "donderdag om 10 uur"
    match = re.search(r"\b" + _LONE_DAYS + r"\s?" + _PART + r"?\b", phrase)
    if match:
        day = _next_weekday(today, WEEKDAYS[match.group(1)])
        day_part = match.group(2) or part
        span = _on_day(day, day_part, raw)
        timed = _clock_time(raw, day_part) is not None
        if span[1] <= now or (timed and span[0] < now):  # its part or time is past: next week
            span = _on_day(day + timedelta(days=7), day_part, raw)
        return _clip(span, now)

    # an explicit date: "3 december", "12-12", "12-12-2026"
    match = (re.search(r"\b\d{1,2} " + _MONTHS + r"\b(?: \d{4})?", raw)
             or re.search(r"\b\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?\b", raw))
    if match:
        found = _explicit_date(match.group(0), now)
        return _on_day(found[0].date(), part, raw) if found else None

    # a dagdeel alone ("in de middag", "'s avonds"): today's, or tomorrow's when it is over
    if part:
        span = _day_range(today, part)
        if span[1] <= now:
            span = _day_range(today + timedelta(days=1), part)
        return _clip(span, now)
    return None


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
