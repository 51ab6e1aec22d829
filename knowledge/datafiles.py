"""Load and validate the human-editable files in knowledge/data.

    buurten.yml       stadsdelen and buurten (seed Bijlage 2 + 7.2), name variants
    geo.yml           approximate centroids and neighbouring buurten
    postcodes.csv     4-digit postcode -> buurt(en), each with source and verified
    places.yml        the 18 gemeenschapshuizen (Bijlage 1) and other seed places
    place_types.yml   place types in plain words, target groups, their variants
    plans.yml         planned development per buurt (7.2) and Huis van de Wijk search locations
    subsidy.yml       Kracht van de Samenleving (topics and application steps)
    sources.yml       facts from public pages per buurt and per place, with page and date read
    demo.yml          example places and a weekly programme (is_demo)

`load_dataset(data_dir, include_demo)` returns a validated `Dataset` or raises
`KnowledgeError` listing every problem with file, row and field.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from knowledge.records import (
    TARGET_GROUPS,
    ActivityRecord,
    Bundle,
    BuurtRecord,
    Dataset,
    KnowledgeError,
    PlaceRecord,
    PlanRecord,
    SourcedFacts,
    ValidationProblems,
)
from knowledge.textnorm import normalize, slugify

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILES = (
    "buurten.yml",
    "geo.yml",
    "postcodes.csv",
    "places.yml",
    "place_types.yml",
    "plans.yml",
    "subsidy.yml",
    "demo.yml",
    "sources.yml",
)
DAY_CODES = {"ma": "MO", "di": "TU", "wo": "WE", "do": "TH", "vr": "FR", "za": "SA", "zo": "SU"}


def fingerprint(data_dir: Path, include_demo: bool) -> str:
    digest = hashlib.sha256()
    digest.update(b"demo" if include_demo else b"nodemo")
    for name in DATA_FILES:
        path = data_dir / name
        digest.update(name.encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def activity_kinds() -> Dict[str, Tuple[str, ...]]:
    """Kinds of activity and the words that mark them (activity_kinds.yml:
    the project's vocabulary for matching questions to titles, not a fact)."""
    with (DEFAULT_DATA_DIR / "activity_kinds.yml").open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle) or {}
    return {str(kind): tuple(str(t) for t in terms) for kind, terms in (doc.get("kinds") or {}).items()}


@functools.lru_cache(maxsize=1)
def dialect_words() -> Dict[str, str]:
    """Maastrichts word -> the Dutch word the NLU reads for it (dialect.yml;
    every entry has its source page and date read)."""
    with (DEFAULT_DATA_DIR / "dialect.yml").open(encoding="utf-8") as handle:
        doc = yaml.safe_load(handle) or {}
    return {str(item["word"]).lower(): str(item["dutch"]).lower() for item in doc.get("words") or []}


def _read_yaml(path: Path, problems: ValidationProblems):
    if not path.exists():
        problems.add(None, None, "file is missing")
        return {}
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        problems.add(None, None, f"not valid YAML: {exc}")
        return {}


def _text(value) -> Optional[str]:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _list(value) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def parse_clock(value) -> Optional[time]:
    if value is None:
        return None
    if isinstance(value, int):  # YAML reads 10:00 as sexagesimal 600
        return time(value // 60, value % 60)
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::\d{2})?", str(value).strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_date(value) -> Optional[date]:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


class BuurtIndex:
    """Canonical buurt names by normalised name/variant, for validation."""

    def __init__(self, buurten: List[BuurtRecord]):
        self.by_norm: Dict[str, str] = {}
        for buurt in buurten:
            self.by_norm.setdefault(normalize(buurt.name), buurt.key)
            self.by_norm.setdefault(normalize(buurt.name).replace(" ", ""), buurt.key)
            for variant in buurt.variants:
                self.by_norm.setdefault(normalize(variant), buurt.key)

    def key_for(self, name) -> Optional[str]:
        if not name:
            return None
        norm = normalize(str(name))
        return self.by_norm.get(norm) or self.by_norm.get(norm.replace(" ", ""))


def _load_buurten(data_dir: Path, problems_all: List[str]):
    problems = ValidationProblems("buurten.yml")
    doc = _read_yaml(data_dir / "buurten.yml", problems)
    stadsdelen = _list(doc.get("stadsdelen"))
    if not stadsdelen:
        problems.add(None, "stadsdelen", "the list of stadsdelen is empty")
    buurten: List[BuurtRecord] = []
    seen = set()
    for row, item in enumerate(doc.get("buurten") or [], start=1):
        if not isinstance(item, dict):
            problems.add(row, None, "expected a mapping")
            continue
        name = _text(item.get("name"))
        if not name:
            problems.add(row, "name", "missing")
            continue
        key = slugify(name)
        if key in seen:
            problems.add(row, "name", f"buurt '{name}' is listed twice")
        seen.add(key)
        stadsdeel = _text(item.get("stadsdeel"))
        if stadsdeel not in stadsdelen:
            problems.add(row, "stadsdeel", f"'{stadsdeel}' is not one of {stadsdelen}")
        for field_name in ("source", "stadsdeel_source"):
            if not _text(item.get(field_name)):
                problems.add(row, field_name, "missing: every buurt says where it comes from")
        stadsdeel_source = _text(item.get("stadsdeel_source")) or ""
        buurten.append(
            BuurtRecord(
                key=key,
                name=name,
                stadsdeel=stadsdeel or "",
                stadsdeel_source=stadsdeel_source,
                source=_text(item.get("source")) or "",
                verified=stadsdeel_source.startswith("seed"),
                variants=_list(item.get("variants")),
            )
        )
    problems_all.extend(problems.items)
    return stadsdelen, buurten


def _load_geo(data_dir: Path, buurten: List[BuurtRecord], index: BuurtIndex, problems_all: List[str]):
    problems = ValidationProblems("geo.yml")
    doc = _read_yaml(data_dir / "geo.yml", problems)
    by_key = {b.key: b for b in buurten}
    centroid_source = _text(doc.get("centroid_source"))
    if not centroid_source:
        problems.add(None, "centroid_source", "missing")
    for name, coords in (doc.get("centroids") or {}).items():
        key = index.key_for(name)
        if key is None:
            problems.add(name, "centroids", f"unknown buurt '{name}'")
            continue
        source = centroid_source
        if isinstance(coords, dict):
            source = _text(coords.get("source"))
            if not source:
                problems.add(name, "centroids.source", "missing")
            coords = coords.get("at")
        try:
            lat, lon = float(coords[0]), float(coords[1])
        except (TypeError, ValueError, IndexError, KeyError):
            problems.add(name, "centroids", "expected [lat, lon] or {at: [lat, lon], source: ...}")
            continue
        if not (50.7 < lat < 51.0 and 5.5 < lon < 5.9):
            problems.add(name, "centroids", f"[{lat}, {lon}] is not in or near Maastricht")
        by_key[key].lat, by_key[key].lon = lat, lon
        by_key[key].centroid_source = source
    neighbour_source = _text(doc.get("neighbour_source")) or "project: approximate"
    pairs = set()
    for name, others in (doc.get("neighbours") or {}).items():
        key = index.key_for(name)
        if key is None:
            problems.add(name, "neighbours", f"unknown buurt '{name}'")
            continue
        for other in _list(others):
            other_key = index.key_for(other)
            if other_key is None:
                problems.add(name, "neighbours", f"unknown buurt '{other}'")
                continue
            if other_key != key:
                pairs.add((key, other_key))
                pairs.add((other_key, key))
    for buurt in buurten:
        if buurt.lat is None:
            problems.add(buurt.name, "centroids", "every buurt needs a centroid (approximate is fine)")
    problems_all.extend(problems.items)
    return sorted(pairs), neighbour_source


def _load_postcodes(data_dir: Path, index: BuurtIndex, problems_all: List[str]):
    problems = ValidationProblems("postcodes.csv")
    path = data_dir / "postcodes.csv"
    rows: List[Tuple[str, str, str, bool]] = []
    if not path.exists():
        problems.add(None, None, "file is missing")
        problems_all.extend(problems.items)
        return rows
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    seen = set()
    for row_no, row in enumerate(reader, start=2):
        postcode = (row.get("postcode") or "").strip()
        if not re.fullmatch(r"62\d\d", postcode):
            problems.add(row_no, "postcode", f"'{postcode}' is not a 4-digit Maastricht postcode (62xx)")
            continue
        key = index.key_for(row.get("buurt"))
        if key is None:
            problems.add(row_no, "buurt", f"unknown buurt '{row.get('buurt')}'")
            continue
        source = (row.get("source") or "").strip()
        if not source:
            problems.add(row_no, "source", "missing")
        verified = (row.get("verified") or "").strip().lower() in {"true", "1", "yes", "ja"}
        if (postcode, key) in seen:
            problems.add(row_no, "buurt", "duplicate row")
        seen.add((postcode, key))
        rows.append((postcode, key, source, verified))
    problems_all.extend(problems.items)
    return rows


def _load_place_types(data_dir: Path, problems_all: List[str]):
    problems = ValidationProblems("place_types.yml")
    doc = _read_yaml(data_dir / "place_types.yml", problems)
    types = []
    for row, item in enumerate(doc.get("place_types") or [], start=1):
        for field_name in ("key", "name", "explanation", "source", "category"):
            if not _text(item.get(field_name)):
                problems.add(row, field_name, "missing")
        types.append(
            {
                "key": _text(item.get("key")),
                "name": _text(item.get("name")),
                "name_en": _text(item.get("name_en")) or _text(item.get("name")),
                "category": _text(item.get("category")),
                "explanation": _text(item.get("explanation")),
                "variants": _list(item.get("variants")),
                "nlu": bool(item.get("nlu", False)),
                "source": _text(item.get("source")),
            }
        )
    categories = []
    for row, item in enumerate(doc.get("categories") or [], start=1):
        for field_name in ("key", "name", "explanation", "source"):
            if not _text(item.get(field_name)):
                problems.add(row, field_name, "missing (categories)")
        categories.append({k: _text(item.get(k)) for k in ("key", "name", "explanation", "source")})
    groups = []
    for row, item in enumerate(doc.get("target_groups") or [], start=1):
        key = _text(item.get("key"))
        if key not in TARGET_GROUPS:
            problems.add(row, "key", f"'{key}' is not one of {list(TARGET_GROUPS)}")
        groups.append({"key": key, "variants": _list(item.get("variants"))})
    problems_all.extend(problems.items)
    return types, categories, groups


def _place_from_item(
    item: dict,
    row: int,
    problems: ValidationProblems,
    index: BuurtIndex,
    type_keys,
    default_source: Optional[str],
    is_demo: bool,
) -> Optional[PlaceRecord]:
    name = _text(item.get("name"))
    if not name:
        problems.add(row, "name", "missing")
        return None
    key = _text(item.get("key")) or slugify(name)
    place_type = _text(item.get("place_type"))
    if place_type not in type_keys:
        problems.add(row, "place_type", f"'{place_type}' is not one of {sorted(type_keys)}")
    buurt_key = index.key_for(item.get("buurt"))
    if item.get("buurt") and buurt_key is None:
        problems.add(row, "buurt", f"unknown buurt '{item.get('buurt')}'")
    source = _text(item.get("source")) or default_source
    if not source:
        problems.add(row, "source", "missing: every record says where it comes from")
    groups = _list(item.get("target_groups")) or ["iedereen"]
    for group in groups:
        if group not in TARGET_GROUPS:
            problems.add(row, "target_groups", f"'{group}' is not one of {list(TARGET_GROUPS)}")
    if is_demo and not name.lower().startswith("voorbeeld"):
        problems.add(row, "name", "a demo place's name must start with 'Voorbeeld'")
    if is_demo and _text(item.get("address")):
        problems.add(row, "address", "a demo place never gets an address")
    return PlaceRecord(
        key=key,
        name=name,
        place_type=place_type or "",
        source=source or "",
        verified=bool(item.get("verified", False)) and not is_demo,
        is_demo=is_demo,
        buurt_key=buurt_key,
        buurt_as_written=_text(item.get("buurt_as_written")),
        organization_key=None,
        address=_text(item.get("address")),
        postal_code=_text(item.get("postal_code")),
        city=_text(item.get("city")) or ("Maastricht" if not is_demo else None),
        description=_text(item.get("description")),
        target_groups=groups,
        cost=_text(item.get("cost")),
        languages=_list(item.get("languages")),
        aliases=_list(item.get("aliases")),
        notes=f"ownership: {_text(item.get('ownership'))}" if _text(item.get("ownership")) else None,
    )


def _load_places(data_dir: Path, index: BuurtIndex, type_keys, problems_all: List[str]) -> Bundle:
    from knowledge.records import OrganizationRecord

    problems = ValidationProblems("places.yml")
    doc = _read_yaml(data_dir / "places.yml", problems)
    bundle = Bundle()
    keys = set()
    for row, item in enumerate(doc.get("places") or [], start=1):
        place = _place_from_item(item, row, problems, index, type_keys, None, is_demo=False)
        if place is None:
            continue
        if place.key in keys:
            problems.add(row, "key", f"duplicate key '{place.key}'")
        keys.add(place.key)
        ownership = _text(item.get("ownership"))
        if place.place_type == "gemeenschapshuis" and ownership not in {"gemeente", "particuliere stichting"}:
            problems.add(
                row, "ownership", "a gemeenschapshuis is owned by 'gemeente' or 'particuliere stichting'"
            )
        if ownership:
            org = OrganizationRecord(
                key=f"org-{place.key}",
                name=place.name,
                source=place.source,
                verified=place.verified,
                ownership=ownership,
                description=f"Bestuur van {place.name}",
            )
            bundle.organizations.append(org)
            place.organization_key = org.key
        bundle.places.append(place)
    problems_all.extend(problems.items)
    return bundle


def activities_from_items(
    items, problems: ValidationProblems, place_keys, default_source, is_demo
) -> List[ActivityRecord]:
    out = []
    for row, item in enumerate(items or [], start=1):
        key = _text(item.get("key"))
        title = _text(item.get("title"))
        place_key = _text(item.get("place"))
        if not key:
            problems.add(row, "key", "missing")
        if not title:
            problems.add(row, "title", "missing")
        if place_key not in place_keys:
            problems.add(row, "place", f"unknown place key '{place_key}'")
        start = parse_clock(item.get("start"))
        if start is None:
            problems.add(row, "start", f"'{item.get('start')}' is not a time like 14:00")
        duration = item.get("duration")
        if duration is not None and (not isinstance(duration, int) or duration <= 0 or duration > 24 * 60):
            problems.add(row, "duration", "expected minutes (1-1440)")
            duration = None
        rrule = None
        if item.get("date") is not None:
            day = parse_date(item.get("date"))
            if day is None:
                problems.add(row, "date", f"'{item.get('date')}' is not a date like 2026-12-19")
        else:
            day = parse_date(item.get("from"))
            if day is None:
                problems.add(row, "from", "missing or not a date (the first week of a weekly activity)")
            days = _list(item.get("days"))
            codes = []
            for d in days:
                code = DAY_CODES.get(d.lower()[:2])
                if code is None:
                    problems.add(row, "days", f"'{d}' is not one of ma di wo do vr za zo")
                else:
                    codes.append(code)
            if not codes:
                problems.add(row, "days", "a weekly activity needs days, or give 'date' for a one-off")
            rrule = f"FREQ=WEEKLY;BYDAY={','.join(codes)}"
        if not (key and title and start and day):
            continue
        out.append(
            ActivityRecord(
                key=key,
                place_key=place_key or "",
                title=title,
                dtstart=datetime.combine(day, start),
                duration_minutes=duration,
                rrule=rrule,
                valid_to=parse_date(item.get("until")),
                description=_text(item.get("description")),
                target_groups=_list(item.get("target_groups")),
                cost=_text(item.get("cost")),
                source=_text(item.get("source")) or default_source,
                verified=False,
                is_demo=is_demo,
            )
        )
    return out


def _load_demo(data_dir: Path, index: BuurtIndex, type_keys, problems_all: List[str]) -> Bundle:
    problems = ValidationProblems("demo.yml")
    doc = _read_yaml(data_dir / "demo.yml", problems)
    bundle = Bundle()
    if doc.get("source") != "demo":
        problems.add(None, "source", "the demo file must say 'source: demo'")
    for row, item in enumerate(doc.get("places") or [], start=1):
        place = _place_from_item(item, row, problems, index, type_keys, "demo", is_demo=True)
        if place is not None:
            place.source = "demo"
            bundle.places.append(place)
    keys = {p.key for p in bundle.places}
    bundle.activities = activities_from_items(doc.get("activities"), problems, keys, "demo", True)
    for activity in bundle.activities:
        activity.source = "demo"
    problems_all.extend(problems.items)
    return bundle


def _load_plans(data_dir: Path, index: BuurtIndex, type_keys, problems_all: List[str]):
    problems = ValidationProblems("plans.yml")
    doc = _read_yaml(data_dir / "plans.yml", problems)
    source = _text(doc.get("source"))
    if not source:
        problems.add(None, "source", "missing")
    plans = []
    for row, item in enumerate(doc.get("plans") or [], start=1):
        keys = []
        for name in _list(item.get("buurten")):
            key = index.key_for(name)
            if key is None:
                problems.add(row, "buurten", f"unknown buurt '{name}'")
            else:
                keys.append(key)
        for field_name in ("development", "how"):
            if not _text(item.get(field_name)):
                problems.add(row, field_name, "missing")
        written = _text(item.get("buurt_as_written")) or ", ".join(_list(item.get("buurten"))) or "Stadsbreed"
        for t in _list(item.get("place_types")):
            if t not in type_keys:
                problems.add(row, "place_types", f"unknown place type '{t}'")
        plans.append(
            PlanRecord(
                key=f"plan-{slugify(written)}",
                buurt_keys=keys,
                buurt_as_written=written,
                stadsdeel_as_written=_text(item.get("stadsdeel_as_written")),
                development=_text(item.get("development")) or "",
                how=_text(item.get("how")) or "",
                place_types=_list(item.get("place_types")),
                target_groups=_list(item.get("target_groups")),
                source=_text(item.get("source")) or source or "",
            )
        )
    hvdw = doc.get("huis_van_de_wijk_search_locations") or {}
    names = []
    for name in _list(hvdw.get("buurten")):
        key = index.key_for(name)
        if key is None:
            problems.add("huis_van_de_wijk_search_locations", "buurten", f"unknown buurt '{name}'")
        names.append(name)
    if not _text(hvdw.get("source")):
        problems.add("huis_van_de_wijk_search_locations", "source", "missing")
    problems_all.extend(problems.items)
    return plans, {
        "buurten": names,
        "first": _list(hvdw.get("first")),
        "text": _text(hvdw.get("text")),
        "source": _text(hvdw.get("source")),
    }


# when a rule of the subsidy check applies (knowledge/precheck.py), and how an
# unconfirmed rule is marked in the data and in what the assistant says
PRECHECK_APPLIES = ("always", "kind_other", "for_jongeren", "for_senioren", "community_centre_near")
UNCONFIRMED = "nog niet bevestigd"


def _load_subsidy(data_dir: Path, problems_all: List[str]) -> dict:
    problems = ValidationProblems("subsidy.yml")
    doc = _read_yaml(data_dir / "subsidy.yml", problems)
    for section in ("topics", "steps"):
        for row, item in enumerate(doc.get(section) or [], start=1):
            if not _text(item.get("text")):
                problems.add(f"{section} {row}", "text", "missing")
            if not _text(item.get("source")):
                problems.add(f"{section} {row}", "source", "missing")
            if not isinstance(item.get("confirmed"), bool):
                problems.add(f"{section} {row}", "confirmed", "must be true or false")
    for row, item in enumerate((doc.get("precheck") or {}).get("rules") or [], start=1):
        where = f"precheck rule {row}"
        for name in ("key", "text", "todo", "source"):
            if not _text(item.get(name)):
                problems.add(where, name, "missing")
        if item.get("applies") not in PRECHECK_APPLIES:
            problems.add(where, "applies", f"must be one of {', '.join(PRECHECK_APPLIES)}")
        if not isinstance(item.get("confirmed"), bool):
            problems.add(where, "confirmed", "must be true or false")
        elif not item["confirmed"] and _text(item.get("status")) != UNCONFIRMED:
            problems.add(where, "status", f"an unconfirmed rule says '{UNCONFIRMED}'")
    check = doc.get("check_with") or {}
    if not _text(check.get("text")):
        problems.add(None, "check_with.text", "missing")
    problems_all.extend(problems.items)
    return doc


PLACE_FACT_FIELDS = ("address", "postal_code", "phone", "email", "website", "opening_hours", "accessibility")
BUURT_FACT_FIELDS = ("point", "point_as_written", "postcodes", "buurtnummer", "wijk")


def _sourced(item, row, problems: ValidationProblems) -> Optional[SourcedFacts]:
    """The page, date read and publisher of one entry of sources.yml (all required)."""
    if not isinstance(item, dict):
        problems.add(row, None, "expected a mapping")
        return None
    url = _text(item.get("url"))
    if not url or not re.match(r"https?://", url):
        problems.add(row, "url", "missing: every sourced fact names the page it comes from (http...)")
    read = parse_date(item.get("read"))
    if read is None:
        problems.add(row, "read", "missing: the date the page was read (YYYY-MM-DD)")
    elif read > date.today():
        problems.add(row, "read", f"{read} is in the future")
    publisher = _text(item.get("publisher"))
    if not publisher:
        problems.add(row, "publisher", "missing: who publishes the page")
    if not (url and read and publisher):
        return None
    return SourcedFacts(url=url, read=read, publisher=publisher, note=_text(item.get("note")))


def _load_sources(data_dir: Path, buurten: List[BuurtRecord], index: BuurtIndex, place_keys,
                  problems_all: List[str]):
    """sources.yml: {buurt key: SourcedFacts}, {place key: SourcedFacts}. The file is optional."""
    problems = ValidationProblems("sources.yml")
    path = data_dir / "sources.yml"
    if not path.exists():
        return {}, {}
    doc = _read_yaml(path, problems)
    buurt_sources: Dict[str, SourcedFacts] = {}
    for name, item in (doc.get("buurten") or {}).items():
        buurt_key = index.key_for(name)
        if buurt_key is None:
            problems.add(name, "buurten", f"unknown buurt '{name}'")
            continue
        facts = _sourced(item, name, problems)
        if facts is None:
            continue
        unknown = set(item) - {"url", "read", "publisher", "note", *BUURT_FACT_FIELDS}
        if unknown:
            problems.add(name, ", ".join(sorted(unknown)), f"unknown field(s); use {list(BUURT_FACT_FIELDS)}")
        if item.get("point") is not None:
            try:
                lat, lon = float(item["point"][0]), float(item["point"][1])
            except (TypeError, ValueError, IndexError, KeyError):
                problems.add(name, "point", "expected [lat, lon]")
            else:
                if not (50.7 < lat < 51.0 and 5.5 < lon < 5.9):
                    problems.add(name, "point", f"[{lat}, {lon}] is not in or near Maastricht")
                facts.values["point"] = (lat, lon)
        postcodes = [str(p).strip() for p in _list(item.get("postcodes"))]
        for postcode in postcodes:
            if not re.fullmatch(r"62\d\d", postcode):
                problems.add(name, "postcodes", f"'{postcode}' is not a 4-digit Maastricht postcode (62xx)")
        if postcodes:
            facts.values["postcodes"] = postcodes
        for field_name in ("point_as_written", "buurtnummer", "wijk"):
            if _text(item.get(field_name)):
                facts.values[field_name] = _text(item.get(field_name))
        buurt_sources[buurt_key] = facts
    place_sources: Dict[str, SourcedFacts] = {}
    for key, item in (doc.get("places") or {}).items():
        if key not in place_keys:
            problems.add(key, "places", f"unknown place key '{key}' (keys are in places.yml)")
            continue
        facts = _sourced(item, key, problems)
        if facts is None:
            continue
        unknown = set(item) - {"url", "read", "publisher", "note", *PLACE_FACT_FIELDS}
        if unknown:
            problems.add(key, ", ".join(sorted(unknown)), f"unknown field(s); use {list(PLACE_FACT_FIELDS)}")
        for field_name in PLACE_FACT_FIELDS:
            if _text(item.get(field_name)):
                facts.values[field_name] = _text(item.get(field_name))
        if "postal_code" in facts.values and not re.fullmatch(
            r"62\d\d ?[A-Z]{2}", facts.values["postal_code"]
        ):
            problems.add(key, "postal_code", f"'{facts.values['postal_code']}' is not a Maastricht postcode")
        place_sources[key] = facts
    problems_all.extend(problems.items)
    return buurt_sources, place_sources


def apply_sources(buurten: List[BuurtRecord], postcodes, places: List[PlaceRecord],
                  buurt_sources: Dict[str, SourcedFacts], place_sources: Dict[str, SourcedFacts]):
    """A sourced point replaces the estimated centroid; sourced postcodes replace the
    estimated rows of that buurt; a place gets what its page says. Returns the postcodes."""
    by_key = {b.key: b for b in buurten}
    for key, facts in buurt_sources.items():
        if "point" in facts.values:
            buurt = by_key[key]
            buurt.lat, buurt.lon = facts.values["point"]
            buurt.centroid_source = (f"approximate, for ranking only (a point in the buurt, not its "
                                     f"measured middle): {facts.label}")[:300]
    sourced = {key: facts for key, facts in buurt_sources.items() if facts.values.get("postcodes")}
    rows = [row for row in postcodes if row[1] not in sourced]
    for key, facts in sourced.items():
        for postcode in facts.values["postcodes"]:
            rows.append((postcode, key, facts.label[:300], False))
    by_place = {p.key: p for p in places}
    for key, facts in place_sources.items():
        place = by_place[key]
        place.address = facts.values.get("address") or place.address
        place.postal_code = facts.values.get("postal_code") or place.postal_code
        place.phone = facts.values.get("phone") or place.phone
        place.email = facts.values.get("email") or place.email
        place.url = facts.values.get("website") or place.url
        place.opening_hours = facts.values.get("opening_hours") or place.opening_hours
        place.accessibility = facts.values.get("accessibility") or place.accessibility
    return sorted(rows)


def load_dataset(data_dir: Optional[Path] = None, include_demo: bool = True) -> Dataset:
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    problems: List[str] = []
    stadsdelen, buurten = _load_buurten(data_dir, problems)
    index = BuurtIndex(buurten)
    neighbours, neighbour_source = _load_geo(data_dir, buurten, index, problems)
    postcodes = _load_postcodes(data_dir, index, problems)
    place_types, categories, groups = _load_place_types(data_dir, problems)
    type_keys = {t["key"] for t in place_types if t["key"]}
    seed = _load_places(data_dir, index, type_keys, problems)
    plans, hvdw = _load_plans(data_dir, index, type_keys, problems)
    subsidy = _load_subsidy(data_dir, problems)
    buurt_sources, place_sources = _load_sources(
        data_dir, buurten, index, {p.key for p in seed.places}, problems)
    if not problems:
        postcodes = apply_sources(buurten, postcodes, seed.places, buurt_sources, place_sources)
    demo = _load_demo(data_dir, index, type_keys, problems) if include_demo else Bundle()
    overlap = {p.key for p in seed.places} & {p.key for p in demo.places}
    for key in sorted(overlap):
        problems.append(f"demo.yml: key '{key}' is also used in places.yml")
    if problems:
        raise KnowledgeError(problems)
    dataset = Dataset(
        stadsdelen=stadsdelen,
        buurten=buurten,
        neighbours=neighbours,
        neighbour_source=neighbour_source,
        postcodes=postcodes,
        place_types=place_types,
        place_type_categories=categories,
        target_groups=groups,
        plans=plans,
        hvdw_search_locations=hvdw,
        subsidy=subsidy,
        seed=seed,
        demo=demo,
        fingerprint=fingerprint(data_dir, include_demo),
    )
    dataset.buurt_by_key = {b.key: b for b in buurten}
    dataset.buurt_sources = buurt_sources
    dataset.place_sources = place_sources
    return dataset
