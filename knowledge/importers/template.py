"""The simple CSV template for huiskamers and sociale restaurants.

Columns (first row; order free; * = required):

    id            stable id of the place (letters, digits, - _ .); default: made from name + buurt
    name*         name of the place
    place_type*   huiskamer | sociaal_restaurant | buurtbrok | jongerenplek | ontmoetingsplek | ...
    buurt         buurt name (variants are fine: "Mariaberch"); or give postcode/lat+lon
    address       street and number
    postcode      e.g. 6218 AB
    lat, lon      coordinates (WGS84), optional
    target_groups ouderen, jongeren, kinderen, volwassenen, gezinnen, nieuwkomers, iedereen (comma separated)
    cost          e.g. "gratis" or "3 euro per maaltijd"
    languages     e.g. "nl, en"
    phone, email, website, opening_hours, description, organization
    source        where the facts come from (default: import:<file name>)
    days, start, duration, activity   optional weekly activity: "ma,wo" "10:00" "120" "Inloop"

Use ";" or "," as the separator (Excel in Dutch saves with ";").
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from knowledge.datafiles import DAY_CODES, parse_clock
from knowledge.importers.common import parse_float, resolve_location_buurt, stable_key
from knowledge.records import (
    TARGET_GROUPS,
    ActivityRecord,
    Bundle,
    OrganizationRecord,
    PlaceRecord,
    ValidationProblems,
)
from knowledge.textnorm import slugify

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.api import KnowledgeBase

REQUIRED = ("name", "place_type")
KNOWN = {
    "id", "name", "place_type", "buurt", "address", "postcode", "lat", "lon", "target_groups", "cost",
    "languages", "phone", "email", "website", "opening_hours", "description", "organization", "source",
    "days", "start", "duration", "activity",
}


def _read_rows(path: Path, problems: ValidationProblems):
    raw = path.read_text(encoding="utf-8-sig")
    first = raw.splitlines()[0] if raw.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(raw), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    for name in REQUIRED:
        if name not in header:
            problems.add(1, name, "required column is missing")
    for name in header:
        if name not in KNOWN:
            problems.add(1, name, "unknown column")
    rows = []
    for row_no, row in enumerate(reader, start=2):
        if None in row:
            problems.add(row_no, None, "more values than columns")
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if any(clean.values()):
            rows.append((row_no, clean))
    return rows


def parse_template(kb: "KnowledgeBase", path: Path, warnings: List[str]) -> Bundle:
    problems = ValidationProblems(path.name)
    rows = _read_rows(path, problems)
    if not rows and not problems:
        problems.add(None, None, "the file has no rows")
    type_keys = {t.key for t in kb.place_types()}
    bundle = Bundle()
    seen = set()
    default_source = f"import:{path.name}"
    for row_no, row in rows:
        name = row.get("name")
        if not name:
            problems.add(row_no, "name", "missing")
            continue
        place_type = row.get("place_type", "").lower()
        if place_type not in type_keys:
            problems.add(row_no, "place_type", f"'{place_type}' is not one of {sorted(type_keys)}")
        lat = parse_float(row.get("lat"), problems, row_no, "lat")
        lon = parse_float(row.get("lon"), problems, row_no, "lon")
        if (lat is None) != (lon is None):
            problems.add(row_no, "lat/lon", "give both lat and lon, or neither")
        buurt_key, how = resolve_location_buurt(kb, problems, row_no, buurt=row.get("buurt"),
                                                postal_code=row.get("postcode"), lat=lat, lon=lon)
        raw_id = row.get("id") or f"{name}-{row.get('buurt') or row.get('postcode') or ''}"
        if row.get("id") and not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", row["id"]):
            problems.add(row_no, "id", "use letters, digits, '-', '_' or '.' (at most 80)")
        key = stable_key("tpl", row.get("id") or slugify(raw_id))
        if key in seen:
            problems.add(row_no, "id", f"duplicate id '{raw_id}'")
        seen.add(key)
        groups = [g.strip().lower() for g in re.split(r"[,;/]", row.get("target_groups", "")) if g.strip()]
        for group in groups:
            if group not in TARGET_GROUPS:
                problems.add(row_no, "target_groups", f"'{group}' is not one of {list(TARGET_GROUPS)}")
        email = row.get("email") or None
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            problems.add(row_no, "email", f"'{email}' is not an e-mail address")
        postcode = row.get("postcode") or None
        if postcode and not re.fullmatch(r"\d{4}\s?[A-Za-z]{2}|\d{4}", postcode):
            problems.add(row_no, "postcode", f"'{postcode}' is not a Dutch postcode")
        org_key = None
        if row.get("organization"):
            org_key = stable_key("tpl-org", slugify(row["organization"]))
            if org_key not in {o.key for o in bundle.organizations}:
                bundle.organizations.append(OrganizationRecord(
                    key=org_key, name=row["organization"], source=row.get("source") or default_source))
        place = PlaceRecord(
            key=key, name=name, place_type=place_type, source=row.get("source") or default_source,
            buurt_key=buurt_key, organization_key=org_key, address=row.get("address") or None,
            postal_code=postcode, city="Maastricht", lat=lat, lon=lon,
            description=row.get("description") or None, target_groups=groups or ["iedereen"],
            cost=row.get("cost") or None,
            languages=[x.strip() for x in re.split(r"[,;/]", row.get("languages", "")) if x.strip()],
            url=row.get("website") or None, email=email, phone=row.get("phone") or None,
            opening_hours=row.get("opening_hours") or None,
            notes=f"buurt from {how}" if how and how != "given" else None,
        )
        bundle.places.append(place)
        if row.get("days") or row.get("start"):
            codes: List[Optional[str]] = []
            for day in re.split(r"[,;/\s]+", row.get("days", "")):
                if not day:
                    continue
                code = DAY_CODES.get(day.lower()[:2])
                if code is None:
                    problems.add(row_no, "days", f"'{day}' is not one of ma di wo do vr za zo")
                codes.append(code)
            start = parse_clock(row.get("start"))
            if start is None:
                problems.add(row_no, "start", f"'{row.get('start')}' is not a time like 10:00")
            if not codes:
                problems.add(row_no, "days", "give the days of the weekly activity")
            duration = None
            if row.get("duration"):
                if row["duration"].isdigit() and 0 < int(row["duration"]) <= 1440:
                    duration = int(row["duration"])
                else:
                    problems.add(row_no, "duration", "expected minutes (1-1440)")
            if start is not None and codes and all(codes):
                from datetime import date, datetime

                bundle.activities.append(ActivityRecord(
                    key=f"{key}-weekly", place_key=key, title=row.get("activity") or f"{name}: inloop",
                    dtstart=datetime.combine(date(2026, 1, 5), start), duration_minutes=duration,
                    rrule=f"FREQ=WEEKLY;BYDAY={','.join(c for c in codes if c)}", source=place.source,
                ))
    problems.raise_if_any()
    return bundle
