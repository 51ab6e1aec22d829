"""Open Referral HSDS 3.0 import (JSON or CSV tables).

Accepted shapes:

* JSON, a list of compiled services (or {"services": [...]}) where each service
  nests `organization`, `service_at_locations[].location` (or `locations`),
  `schedules`, `phones`, `languages`, `attributes`, `cost_options`;
* JSON or CSV in table shape: organizations, services, locations,
  service_at_locations, schedules, phones, addresses, accessibility (linked by
  ids). CSV tables sit in a directory or a .zip (file names like
  `services.csv`, singular or plural).

HSDS has no "buurt": it is taken from `x_buurt` (extension field) on the location,
else from a postcode that belongs to one buurt, else from the coordinates (nearest
buurt centroid, approximate). The place type comes from `x_place_type`, a
taxonomy/attribute code equal to one of ours, or words in the name
("huiskamer", "restaurant" ...). Target groups come from `x_target_groups`,
attribute codes, or minimum/maximum age.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from knowledge.datafiles import parse_clock, parse_date
from knowledge.importers.common import (
    infer_place_type,
    parse_float,
    resolve_location_buurt,
    stable_key,
)
from knowledge.records import (
    TARGET_GROUPS,
    ActivityRecord,
    Bundle,
    ContactRecord,
    OrganizationRecord,
    PlaceRecord,
    ValidationProblems,
)

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.api import KnowledgeBase

TABLES = (
    "organizations",
    "services",
    "locations",
    "service_at_locations",
    "schedules",
    "phones",
    "addresses",
    "accessibility",
)
_ALIASES = {
    "organization": "organizations", "service": "services", "location": "locations",
    "service_at_location": "service_at_locations", "schedule": "schedules", "phone": "phones",
    "address": "addresses", "accessibility_for_disabilities": "accessibility",
}
DAY_NL = {"MO": "ma", "TU": "di", "WE": "wo", "TH": "do", "FR": "vr", "SA": "za", "SU": "zo"}


def _table_name(name: str) -> Optional[str]:
    stem = Path(name).stem.lower()
    if stem in TABLES:
        return stem
    return _ALIASES.get(stem)


def _read_csv_tables(path: Path, problems: ValidationProblems) -> Dict[str, List[dict]]:
    tables: Dict[str, List[dict]] = {t: [] for t in TABLES}
    sources = []
    if path.is_dir():
        sources = [(p.name, p.read_text(encoding="utf-8-sig")) for p in sorted(path.glob("*.csv"))]
    else:
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.filename.lower().endswith(".csv"):
                        sources.append((Path(info.filename).name, archive.read(info).decode("utf-8-sig")))
        except zipfile.BadZipFile:
            if path.suffix.lower() == ".csv":
                sources = [(path.name, path.read_text(encoding="utf-8-sig"))]
            else:
                problems.add(None, None, "not a zip file")
    for name, text in sources:
        table = _table_name(name)
        if table is None:
            problems.add(
                None, None, f"{name}: not an HSDS table this importer reads (ignored tables are errors)"
            )
            continue
        for row_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            clean = {(k or "").strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
            clean["_where"] = f"{name} row {row_no}"
            tables[table].append(clean)
    if not tables["services"]:
        problems.add(None, None, "no services (services.csv) found")
    return tables


def _flatten_json(doc, problems: ValidationProblems) -> Dict[str, List[dict]]:
    tables: Dict[str, List[dict]] = {t: [] for t in TABLES}
    if isinstance(doc, dict) and any(k in doc for k in TABLES):
        for key, rows in doc.items():
            table = _table_name(key)
            if table and isinstance(rows, list):
                for i, row in enumerate(rows, start=1):
                    if isinstance(row, dict):
                        tables[table].append({**row, "_where": f"{key}[{i}]"})
        services = tables["services"]
        tables["services"] = []
    elif isinstance(doc, list):
        services = [{**s, "_where": f"[{i}]"} for i, s in enumerate(doc, start=1) if isinstance(s, dict)]
    elif isinstance(doc, dict) and "name" in doc:
        services = [{**doc, "_where": "service"}]
    else:
        problems.add(None, None, "expected a list of HSDS services or an object with 'services'")
        return tables
    for service in services:
        where = service.get("_where")
        org = service.get("organization")
        if isinstance(org, dict):
            tables["organizations"].append({**org, "_where": f"{where}.organization"})
            service.setdefault("organization_id", org.get("id"))
        sals = service.get("service_at_locations") or []
        for j, sal in enumerate(sals, start=1):
            loc = sal.get("location") if isinstance(sal, dict) else None
            if isinstance(loc, dict):
                tables["locations"].append({**loc, "_where": f"{where}.service_at_locations[{j}].location"})
                tables["service_at_locations"].append(
                    {"service_id": service.get("id"), "location_id": loc.get("id")}
                )
                for k, sched in enumerate(sal.get("schedules") or [], start=1):
                    tables["schedules"].append(
                        {
                            **sched,
                            "service_id": service.get("id"),
                            "_where": f"{where}.service_at_locations[{j}].schedules[{k}]",
                        }
                    )
        for j, loc in enumerate(service.get("locations") or [], start=1):
            if isinstance(loc, dict):
                tables["locations"].append({**loc, "_where": f"{where}.locations[{j}]"})
                tables["service_at_locations"].append(
                    {"service_id": service.get("id"), "location_id": loc.get("id")}
                )
        for j, sched in enumerate(service.get("schedules") or [], start=1):
            tables["schedules"].append(
                {**sched, "service_id": service.get("id"), "_where": f"{where}.schedules[{j}]"}
            )
        for j, phone in enumerate(service.get("phones") or [], start=1):
            tables["phones"].append(
                {**phone, "service_id": service.get("id"), "_where": f"{where}.phones[{j}]"}
            )
        tables["services"].append(service)
    if not tables["services"]:
        problems.add(None, None, "no services found")
    return tables


def _codes(service: dict) -> List[str]:
    out = []
    for attr in service.get("attributes") or []:
        if isinstance(attr, dict):
            term = attr.get("taxonomy_term") or {}
            for value in (
                attr.get("value"),
                term.get("code"),
                term.get("name"),
                attr.get("taxonomy_term_id"),
            ):
                if value:
                    out.append(str(value).strip().lower())
    return out


def _list_field(value) -> List[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("code") or item.get("name")
            if item:
                out.append(str(item).strip())
        return out
    return [v.strip() for v in str(value).replace(";", ",").split(",") if v.strip()]


def _int(value) -> Optional[int]:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_hsds(kb: "KnowledgeBase", path: Path, kind: str, warnings: List[str]) -> Bundle:
    problems = ValidationProblems(path.name)
    if kind == "hsds-json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            problems.add(exc.lineno, None, f"not valid JSON: {exc.msg}")
            problems.raise_if_any()
        tables = _flatten_json(doc, problems)
    else:
        tables = _read_csv_tables(path, problems)
    source = f"import:{path.name}"
    type_keys = {t.key for t in kb.place_types()}
    bundle = Bundle()

    orgs: Dict[str, OrganizationRecord] = {}
    for row in tables["organizations"]:
        oid, where = row.get("id"), row.get("_where")
        if not oid:
            problems.add(where, "id", "missing")
            continue
        if not row.get("name"):
            problems.add(where, "name", "missing")
        key = stable_key("hsds-org", oid)
        if key not in orgs:
            orgs[key] = OrganizationRecord(key=key, name=row.get("name") or "", source=source,
                                           description=row.get("description") or None,
                                           url=row.get("website") or row.get("url") or None,
                                           email=row.get("email") or None)
    bundle.organizations = list(orgs.values())

    addresses: Dict[str, dict] = {}
    for row in tables["addresses"]:
        if row.get("location_id"):
            addresses.setdefault(str(row["location_id"]), row)
    access: Dict[str, List[str]] = {}
    for row in tables["accessibility"]:
        if row.get("location_id") and (row.get("description") or row.get("accessibility")):
            access.setdefault(str(row["location_id"]), []).append(
                str(row.get("description") or row.get("accessibility"))
            )

    locations: Dict[str, dict] = {}
    for row in tables["locations"]:
        lid, where = row.get("id"), row.get("_where")
        if not lid:
            problems.add(where, "id", "missing")
            continue
        lid = str(lid)
        if lid in locations:
            continue
        address = addresses.get(lid) or {}
        nested = row.get("addresses") or (
            [row["physical_address"]] if isinstance(row.get("physical_address"), dict) else []
        )
        if nested and isinstance(nested, list) and isinstance(nested[0], dict):
            address = nested[0]
        lat = parse_float(row.get("latitude"), problems, where, "latitude")
        lon = parse_float(row.get("longitude"), problems, where, "longitude")
        postal = address.get("postal_code") or None
        buurt_key, how = resolve_location_buurt(
            kb,
            problems,
            where,
            buurt=row.get("x_buurt") or row.get("buurt"),
            postal_code=postal,
            lat=lat,
            lon=lon,
            field_name="x_buurt",
        )
        acc = list(access.get(lid, []))
        for item in row.get("accessibility") or []:
            if isinstance(item, dict) and item.get("description"):
                acc.append(item["description"])
        locations[lid] = dict(
            name=row.get("name"), lat=lat, lon=lon, buurt_key=buurt_key, how=how,
            address=" ".join(x for x in (address.get("address_1"), address.get("address_2")) if x) or None,
            postal_code=postal, city=address.get("city") or None, accessibility="; ".join(acc) or None,
        )

    sal: Dict[str, List[str]] = {}
    for row in tables["service_at_locations"]:
        if row.get("service_id") and row.get("location_id"):
            sal.setdefault(str(row["service_id"]), []).append(str(row["location_id"]))

    phones: Dict[str, List[str]] = {}
    for row in tables["phones"]:
        if row.get("service_id") and row.get("number"):
            phones.setdefault(str(row["service_id"]), []).append(str(row["number"]))

    place_keys_by_service: Dict[str, List[str]] = {}
    seen_services = set()
    for row in tables["services"]:
        sid, where = row.get("id"), row.get("_where")
        if not sid:
            problems.add(where, "id", "missing")
            continue
        sid = str(sid)
        if sid in seen_services:
            problems.add(where, "id", f"duplicate service id '{sid}'")
            continue
        seen_services.add(sid)
        name = (row.get("name") or "").strip()
        if not name:
            problems.add(where, "name", "missing")
            continue
        codes = _codes(row)
        place_type = (row.get("x_place_type") or row.get("place_type") or "").strip() or None
        if place_type is None:
            place_type = next((c for c in codes if c in type_keys), None)
        if place_type is None:
            place_type = infer_place_type(name, row.get("description"))
        if place_type is None:
            place_type = "ontmoetingsplek"
            warnings.append(f"{path.name}: {where}: no place type; using 'ontmoetingsplek'")
        if place_type not in type_keys:
            problems.add(where, "x_place_type", f"'{place_type}' is not one of {sorted(type_keys)}")
        groups = [g.lower() for g in _list_field(row.get("x_target_groups") or row.get("target_groups"))]
        if not groups:
            groups = [c for c in codes if c in TARGET_GROUPS]
        if not groups:
            low, high = _int(row.get("minimum_age")), _int(row.get("maximum_age"))
            if low is not None and low >= 55:
                groups = ["ouderen"]
            elif high is not None and high <= 12:
                groups = ["kinderen"]
            elif high is not None and high <= 27:
                groups = ["jongeren"]
        for group in groups:
            if group not in TARGET_GROUPS:
                problems.add(where, "x_target_groups", f"'{group}' is not one of {list(TARGET_GROUPS)}")
        status = (row.get("status") or "active").lower()
        if status not in {"active", "inactive", "defunct", "temporarily closed"}:
            problems.add(where, "status", f"'{status}' is not an HSDS status")
        cost = row.get("fees_description") or row.get("fees") or None
        for option in row.get("cost_options") or []:
            if isinstance(option, dict):
                amount = option.get("amount")
                cost = cost or (f"{amount} {option.get('currency') or 'EUR'}" if amount not in (None, "") else
                                option.get("option"))
        org_key = stable_key("hsds-org", row["organization_id"]) if row.get("organization_id") else None
        if org_key and org_key not in orgs:
            problems.add(where, "organization_id", f"unknown organization '{row['organization_id']}'")
            org_key = None
        location_ids = sal.get(sid, [])
        if not location_ids:
            problems.add(
                where, "service_at_locations", "the service has no location (needed to find it nearby)"
            )
            continue
        keys = []
        for lid in location_ids:
            loc = locations.get(lid)
            if loc is None:
                problems.add(where, "location_id", f"unknown location '{lid}'")
                continue
            key = stable_key("hsds", sid if len(location_ids) == 1 else f"{sid}@{lid}")
            keys.append(key)
            place = PlaceRecord(
                key=key, name=name, place_type=place_type, source=source, buurt_key=loc["buurt_key"],
                organization_key=org_key, address=loc["address"], postal_code=loc["postal_code"],
                city=loc["city"], lat=loc["lat"], lon=loc["lon"], accessibility=loc["accessibility"],
                description=row.get("description") or None, target_groups=groups or ["iedereen"], cost=cost,
                languages=_list_field(row.get("languages")), status=status,
                url=row.get("url") or None, email=row.get("email") or None,
                phone=next(iter(phones.get(sid) or []), None),
                notes=f"buurt from {loc['how']}" if loc["how"] and loc["how"] != "given" else None,
            )
            bundle.places.append(place)
            for n, number in enumerate(phones.get(sid, []), start=1):
                bundle.contacts.append(ContactRecord(key=f"{key}-phone-{n}", place_key=key, phone=number,
                                                     source=source))
        place_keys_by_service[sid] = keys

    hours: Dict[str, List[str]] = {}
    for n, row in enumerate(tables["schedules"], start=1):
        where = row.get("_where") or f"schedules row {n}"
        sid = str(row.get("service_id") or "")
        keys = place_keys_by_service.get(sid) or []
        if not keys:
            if sid not in seen_services:
                problems.add(where, "service_id", f"unknown service '{sid}'")
            continue
        opens = parse_clock(row.get("opens_at")) if row.get("opens_at") else None
        closes = parse_clock(row.get("closes_at")) if row.get("closes_at") else None
        if row.get("opens_at") and opens is None:
            problems.add(where, "opens_at", f"'{row.get('opens_at')}' is not a time")
        if row.get("closes_at") and closes is None:
            problems.add(where, "closes_at", f"'{row.get('closes_at')}' is not a time")
        freq = (row.get("freq") or "").upper() or None
        first_day = parse_date(row.get("valid_from")) or parse_date(str(row.get("dtstart") or "")[:10])
        if freq and freq not in {"WEEKLY", "DAILY", "MONTHLY"}:
            problems.add(where, "freq", f"'{freq}' is not supported (WEEKLY, DAILY, MONTHLY)")
            continue
        if not freq and first_day is None:
            problems.add(where, "dtstart", "a one-off schedule needs dtstart or valid_from")
            continue
        if opens is None:
            problems.add(where, "opens_at", "missing")
            continue
        parts = [f"FREQ={freq}"] if freq else []
        byday = (row.get("byday") or "").upper().replace(" ", "")
        if byday:
            if any(d[-2:] not in DAY_NL for d in byday.split(",")):
                problems.add(where, "byday", f"'{byday}' is not like MO,WE")
                continue
            parts.append(f"BYDAY={byday}")
        if row.get("interval") and str(row.get("interval")).isdigit() and int(row["interval"]) > 1:
            parts.append(f"INTERVAL={int(row['interval'])}")
        duration = None
        if closes is not None:
            duration = (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).seconds // 60
        valid_to = parse_date(row.get("valid_to")) or parse_date(str(row.get("until") or "")[:10])
        for key in keys:
            title = (
                row.get("description")
                or row.get("notes")
                or f"Open: {next(p.name for p in bundle.places if p.key == key)}"
            )
            bundle.activities.append(ActivityRecord(
                key=f"{key}-schedule-{row.get('id') or n}", place_key=key, title=str(title)[:200],
                dtstart=datetime.combine(first_day or date(2026, 1, 5), opens or time(0)),
                duration_minutes=duration, rrule=";".join(parts) if freq else None, valid_to=valid_to,
                source=source,
            ))
            if freq == "WEEKLY" and byday:
                days = ", ".join(DAY_NL[d[-2:]] for d in byday.split(","))
                span = f"{opens:%H:%M}" + (f"-{closes:%H:%M}" if closes else "")
                hours.setdefault(key, []).append(f"{days} {span}")
    for place in bundle.places:
        if place.key in hours:
            place.opening_hours = "; ".join(hours[place.key])
    problems.raise_if_any()
    return bundle
