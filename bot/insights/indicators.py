"""The plan's indicators (chapter 9, Monitoring) per buurt or stadsdeel and month.

Sources: `ins_conversation` (one anonymous row per conversation, collect.py)
and the toeleiding queue (`ho_request`). No message text is read. Every count
from 1 to 4 is suppressed: shown as "< 5", with `value` None in JSON and CSV
(SUPPRESS_BELOW). A median (hours to first contact, to close) is only shown
when it rests on at least 5 requests.

    report = build_report(engine, by="stadsdeel", months=12, now=...)
    report["rows"]    [{month, area, values: {key: {value, display}}, languages}]
    report["totals"]  the same for heel Maastricht per month
    report["period"]  per area (and heel Maastricht) over the whole period
"""
from __future__ import annotations

import datetime as dt
import statistics
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import case, func, inspect, select
from sqlalchemy.engine import Engine

from bot.insights.models import Conversation
from knowledge import gaps as kgaps

SUPPRESS_BELOW = 5
SUPPRESSED = "< 5"
UNKNOWN_AREA = "onbekend"
CITY = "heel Maastricht"
PERIOD = "periode"

# key, label (Dutch, for the table and the page), unit
INDICATORS = (
    ("gesprekken", "Gesprekken", "aantal"),
    ("vragen_plekken", "Vragen over plekken", "aantal"),
    ("vragen_activiteiten", "Vragen over activiteiten", "aantal"),
    ("vragen_subsidie", "Vragen over de subsidie", "aantal"),
    ("zelf_organiseren", "Vrijwilligers en eigen initiatief", "aantal"),
    ("niet_begrepen", "Gesprekken met een onbegrepen vraag", "aantal"),
    ("toeleiding", "Verzoeken om toeleiding", "aantal"),
    ("geescaleerd", "Verzoeken geëscaleerd", "aantal"),
    ("uren_tot_contact", "Uren tot eerste contact (mediaan)", "uren"),
    ("uren_tot_afronden", "Uren tot afronden (mediaan)", "uren"),
)
INDICATOR_KEYS = tuple(key for key, _, _ in INDICATORS)
LABELS = {key: label for key, label, _ in INDICATORS}
STADSDELEN_LAYOUT = (  # schematic positions for the map-like table (rows, west to east)
    ("Noord-West", "Noord", None),
    ("West", "Centrum", "Oost"),
    ("Zuid-West", "Zuid", None),
)


def suppress(n: Optional[float], basis: Optional[int] = None) -> Dict[str, object]:
    """{"value": n or None, "display": text}; counts 1-4 (or a basis below 5) hidden."""
    if n is None:
        return {"value": None, "display": "-"}
    count = basis if basis is not None else n
    if 0 < count < SUPPRESS_BELOW:
        return {"value": None, "display": SUPPRESSED, "suppressed": True}
    if basis is not None and basis == 0:
        return {"value": None, "display": "-"}
    if isinstance(n, float) and not n.is_integer():
        return {"value": round(n, 1), "display": f"{n:.1f}".replace(".", ",")}
    return {"value": int(n), "display": str(int(n))}


def _month(value: dt.datetime) -> str:
    return value.strftime("%Y-%m")


def month_range(now: dt.datetime, months: int) -> List[str]:
    year, month = now.year, now.month
    out = []
    for _ in range(max(1, months)):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def _conversation_counts(engine: Engine, by: str, months: Sequence[str]):
    table = Conversation.__table__
    area = table.c.buurt if by == "buurt" else table.c.stadsdeel

    def flag(column):
        return func.sum(case((column == True, 1), else_=0))  # noqa: E712

    query = (select(table.c.month, area.label("area"), func.count().label("gesprekken"),
                    flag(table.c.asked_place).label("vragen_plekken"),
                    flag(table.c.asked_activity).label("vragen_activiteiten"),
                    flag(table.c.asked_subsidy).label("vragen_subsidie"),
                    flag(table.c.self_organising).label("zelf_organiseren"),
                    func.sum(case((table.c.not_understood > 0, 1), else_=0))
                    .label("niet_begrepen"))
             .where(table.c.month.in_(list(months))).group_by(table.c.month, area))
    languages = (select(table.c.month, area.label("area"), table.c.language,
                        func.count().label("n"))
                 .where(table.c.month.in_(list(months)))
                 .group_by(table.c.month, area, table.c.language))
    with engine.connect() as connection:
        return connection.execute(query).all(), connection.execute(languages).all()


def _requests(engine: Engine, months: Sequence[str]):
    if not inspect(engine).has_table("ho_request"):
        return []
    from bot.handoff.models import HandoffRequest

    table = HandoffRequest.__table__
    query = select(table.c.created_at, table.c.buurt, table.c.stadsdeel, table.c.status,
                   table.c.in_contact_at, table.c.claimed_at, table.c.closed_at,
                   table.c.escalated_at, table.c.language)
    with engine.connect() as connection:
        return [row for row in connection.execute(query) if _month(row.created_at) in months]


def _hours(start: dt.datetime, end: Optional[dt.datetime]) -> Optional[float]:
    if end is None or start is None:
        return None
    return max(0.0, (end - start).total_seconds() / 3600.0)


def build_report(engine: Engine, by: str = "stadsdeel", months: int = 12,
                 now: Optional[dt.datetime] = None) -> Dict[str, object]:
    """The indicators per `by` ("buurt" or "stadsdeel") and month, suppressed."""
    if by not in ("buurt", "stadsdeel"):
        raise ValueError("by must be buurt or stadsdeel")
    now = now or dt.datetime.now(dt.timezone.utc)
    wanted = month_range(now, months)
    raw: Dict[tuple, Dict[str, float]] = {}
    langs: Dict[tuple, Dict[str, float]] = {}
    conversation_rows, language_rows = _conversation_counts(engine, by, wanted)
    for row in conversation_rows:
        key = (row.month, row.area or UNKNOWN_AREA)
        bucket = raw.setdefault(key, {})
        for name in ("gesprekken", "vragen_plekken", "vragen_activiteiten", "vragen_subsidie",
                     "zelf_organiseren", "niet_begrepen"):
            bucket[name] = bucket.get(name, 0) + int(getattr(row, name) or 0)
    for row in language_rows:
        key = (row.month, row.area or UNKNOWN_AREA)
        bucket = langs.setdefault(key, {})
        language = row.language or "nl"
        bucket[language] = bucket.get(language, 0) + int(row.n)
    durations: Dict[tuple, Dict[str, List[float]]] = {}
    for request in _requests(engine, wanted):
        area = (request.buurt if by == "buurt" else request.stadsdeel) or UNKNOWN_AREA
        for key in ((_month(request.created_at), area), (_month(request.created_at), CITY)):
            bucket = raw.setdefault(key, {})
            bucket["toeleiding"] = bucket.get("toeleiding", 0) + 1
            if request.escalated_at is not None:
                bucket["geescaleerd"] = bucket.get("geescaleerd", 0) + 1
            times = durations.setdefault(key, {"contact": [], "close": []})
            contact = _hours(request.created_at, request.in_contact_at)
            if contact is not None:
                times["contact"].append(contact)
            if request.status == "afgerond":
                closed = _hours(request.created_at, request.closed_at)
                if closed is not None:
                    times["close"].append(closed)
    # City totals of the conversation counts.
    for (month, area), bucket in list(raw.items()):
        if area == CITY:
            continue
        city = raw.setdefault((month, CITY), {})
        for name, value in bucket.items():
            if name in ("toeleiding", "geescaleerd"):
                continue  # already counted per request
            city[name] = city.get(name, 0) + value
    for (month, area), bucket in list(langs.items()):
        if area != CITY:
            city = langs.setdefault((month, CITY), {})
            for language, n in bucket.items():
                city[language] = city.get(language, 0) + n

    # The whole period per area (for the map-like table), summed before suppression.
    for source in (raw, langs):
        for (_, area), bucket in list(source.items()):
            period = source.setdefault((PERIOD, area), {})
            for name, value in bucket.items():
                period[name] = period.get(name, 0) + value
    for (_, area), times in list(durations.items()):
        period_times = durations.setdefault((PERIOD, area), {"contact": [], "close": []})
        period_times["contact"].extend(times["contact"])
        period_times["close"].extend(times["close"])

    def values(key: tuple) -> Dict[str, Dict[str, object]]:
        bucket = raw.get(key, {})
        out = {name: suppress(bucket.get(name, 0)) for name in INDICATOR_KEYS[:8]}
        times = durations.get(key, {"contact": [], "close": []})
        for name, sample in (("uren_tot_contact", times["contact"]),
                             ("uren_tot_afronden", times["close"])):
            out[name] = suppress(statistics.median(sample) if sample else None, len(sample))
        return out

    def languages(key: tuple) -> Dict[str, Dict[str, object]]:
        return {language: suppress(n) for language, n in sorted(langs.get(key, {}).items())}

    areas = sorted({area for (month, area) in raw if area != CITY and month != PERIOD},
                   key=lambda a: (a == UNKNOWN_AREA, a))
    rows = [
        {"month": month, "area": area, "values": values((month, area)),
         "languages": languages((month, area))}
        for month in wanted for area in areas if (month, area) in raw
    ]
    period_rows = [{"area": area, "values": values((PERIOD, area)),
               "languages": languages((PERIOD, area))} for area in areas + [CITY]]
    totals = [{"month": month, "area": CITY, "values": values((month, CITY)),
               "languages": languages((month, CITY))} for month in wanted]
    return {
        "generated_at": now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "by": by,
        "months": wanted,
        "suppression": {"below": SUPPRESS_BELOW, "display": SUPPRESSED},
        "indicators": [{"key": k, "label": label, "unit": unit} for k, label, unit in INDICATORS],
        "rows": rows,
        "totals": totals,
        "period": period_rows,
        "gaps": gap_summary(engine, wanted[0]),
    }


def gap_summary(engine: Engine, first_month: str) -> Dict[str, object]:
    """Knowledge gaps since `first_month`, suppressed like the indicators.

    Place names typed by residents ("onbekende plek") are conversation text: such
    a name is only shown when at least 5 gaps share it."""
    if not inspect(engine).has_table("kb_gap"):
        return {"per_buurt": {}, "per_place": {}, "per_kind": {}, "total": 0}
    since = dt.datetime.strptime(first_month + "-01", "%Y-%m-%d")
    counts = kgaps.gap_counts(engine, since=since)

    def per(mapping):
        return {key: {kind: suppress(n) for kind, n in kinds.items()}
                for key, kinds in sorted(mapping.items())}

    places = {}
    for place, kinds in counts["per_place"].items():
        shown = {kind: n for kind, n in kinds.items()
                 if kind != kgaps.KIND_UNKNOWN_PLACE or n >= SUPPRESS_BELOW}
        if shown:
            places[place] = shown
    return {
        "per_buurt": per(counts["per_buurt"]),
        "per_stadsdeel": per(counts["per_stadsdeel"]),
        "per_place": per(places),
        "per_kind": {kind: suppress(n) for kind, n in sorted(counts["per_kind"].items())},
        "total": suppress(counts["total"]),
        "labels": dict(kgaps.KIND_LABELS),
    }


def csv_rows(report: Dict[str, Any]):
    """Long format: month, area, indicator, value (empty when suppressed), shown."""
    yield ["maand", "gebied", "indicator", "waarde", "weergave"]
    for row in list(report["rows"]) + list(report["totals"]):
        for key in INDICATOR_KEYS:
            cell = row["values"][key]
            value = cell["value"]
            yield [row["month"], row["area"], key, "" if value is None else value, cell["display"]]
        for language, cell in row["languages"].items():
            value = cell["value"]
            yield [row["month"], row["area"], f"taal_{language}", "" if value is None else value,
                   cell["display"]]
