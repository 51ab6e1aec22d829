"""The query API of the knowledge base (plain Python, synchronous).

    kb = open_knowledge(database_url, data_dir=None, include_demo=True)
    kb.resolve_buurt("Mariaberch")          -> BuurtMatch(name="Mariaberg", ...)
    kb.find_places(buurt="Malberg", place_type="huiskamer")
    kb.activities(start, end, buurt="Scharn")
    kb.resolve_when("woensdagmiddag")

Everything returned is a plain frozen dataclass, usable after the session closed.
"""
from __future__ import annotations

import logging
import math
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine

from knowledge import models as m
from knowledge.datafiles import DEFAULT_DATA_DIR, activity_kinds, load_dataset
from knowledge.records import Dataset
from knowledge.textnorm import close_enough, closest_name, normalize
from knowledge.when import TZ
from knowledge.when import resolve_when as _resolve_when
from ontmoet_core.db import make_engine, make_session_factory, upgrade_database

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BuurtMatch:
    name: str  # canonical buurt name (as in knowledge/data/buurten.yml)
    key: str
    stadsdeel: str
    score: float  # 0-100; 100 = exact name or known variant
    matched: str  # the variant that matched
    verified_stadsdeel: bool  # False when the project assigned the stadsdeel


@dataclass(frozen=True)
class BuurtInfo:
    name: str
    key: str
    stadsdeel: str
    stadsdeel_source: str
    source: str
    verified: bool
    lat: Optional[float]
    lon: Optional[float]
    centroid_source: Optional[str]  # says "approximate, for ranking only"
    neighbours: Tuple[str, ...] = ()
    variants: Tuple[str, ...] = ()


@dataclass(frozen=True)
class PostcodeMatch:
    postcode: str
    buurt: str
    stadsdeel: str
    verified: bool
    source: str


@dataclass(frozen=True)
class Contact:
    name: Optional[str]
    title: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    source: str
    verified: bool
    is_demo: bool


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    place_type: str
    buurt: Optional[str]
    stadsdeel: Optional[str]
    buurt_as_written: Optional[str]
    address: Optional[str]  # None when unknown: never guessed
    postal_code: Optional[str]
    city: Optional[str]
    lat: Optional[float]
    lon: Optional[float]
    accessibility: Optional[str]
    description: Optional[str]
    target_groups: Tuple[str, ...]
    cost: Optional[str]
    languages: Tuple[str, ...]
    opening_hours: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    url: Optional[str]
    organization: Optional[str]
    ownership: Optional[str]  # gemeente | particuliere stichting (Bijlage 1)
    source: str
    verified: bool
    is_demo: bool
    origin: str
    contacts: Tuple[Contact, ...] = ()


@dataclass(frozen=True)
class PlaceResult:
    key: str
    name: str
    place_type: str
    buurt: Optional[str]
    stadsdeel: Optional[str]
    distance_km: Optional[float]  # None when unknown
    distance_approximate: bool  # True when measured from buurt centroids
    in_buurt: bool  # the place is in the buurt asked for (or one of the postcode's buurten)
    address: Optional[str]
    target_groups: Tuple[str, ...]
    description: Optional[str]
    source: str
    verified: bool
    is_demo: bool


@dataclass(frozen=True)
class Occurrence:
    activity_key: str
    title: str
    description: Optional[str]
    place_key: str
    place_name: str
    place_type: str
    buurt: Optional[str]
    start: datetime  # aware, Europe/Amsterdam
    end: Optional[datetime]
    recurring: bool
    target_groups: Tuple[str, ...]
    cost: Optional[str]
    source: str
    verified: bool
    is_demo: bool


@dataclass(frozen=True)
class Plan:
    buurt: Optional[str]  # None: stadsbreed
    buurt_as_written: str
    stadsdeel_as_written: Optional[str]
    development: str
    how: str
    place_types: Tuple[str, ...]
    target_groups: Tuple[str, ...]
    source: str


@dataclass(frozen=True)
class PlaceType:
    key: str
    name: str
    category: str
    explanation: str
    source: str
    nlu: bool
    variants: Tuple[str, ...] = ()
    name_en: str = ""

    def title(self, language: Optional[str] = None) -> str:
        """The name for a button: English in an English conversation."""
        return (self.name_en or self.name) if language == "en" else self.name


@dataclass(frozen=True)
class SearchLocations:
    buurten: Tuple[str, ...]
    first: Tuple[str, ...]
    text: str
    source: str


@dataclass(frozen=True)
class SubsidyTopic:
    key: str
    title: str
    text: str
    confirmed: bool
    source: str


@dataclass(frozen=True)
class SubsidyStep:
    order: int
    text: str
    confirmed: bool
    source: str
    check_with: Optional[str]  # set when not confirmed: what the assistant says instead


@dataclass(frozen=True)
class PrecheckRule:
    """One rule of the subsidy check (knowledge/data/subsidy.yml, precheck.rules)."""
    key: str
    applies: str
    text: str
    todo: str
    confirmed: bool
    source: str
    status: str  # "nog niet bevestigd" when not confirmed, else ""


@dataclass(frozen=True)
class Subsidy:
    name: str
    topics: Tuple[SubsidyTopic, ...]
    steps: Tuple[SubsidyStep, ...]
    check_with: str
    check_with_phone: str
    check_with_source: str
    precheck_rules: Tuple[PrecheckRule, ...] = ()

    def topic(self, key: str) -> Optional[SubsidyTopic]:
        return next((t for t in self.topics if t.key == key), None)


# --------------------------------------------------------------------------- helpers


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _split(value: Optional[str]) -> Tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def extract_postcode(text: str) -> Optional[str]:
    match = re.search(r"\b(6[12]\d\d)\s?(?:[a-zA-Z]{2})?\b", text or "")
    return match.group(1) if match else None


_STOP_ALIASES = {"wijk", "buurt", "centrum", "de", "het", "t"}


@dataclass
class _NameIndex:
    # normalised alias -> list of (entity key, alias as written)
    exact: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)
    compact: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)

    def add(self, norm: str, key: str, alias: str) -> None:
        if norm in _STOP_ALIASES:
            return
        self.exact.setdefault(norm, []).append((key, alias))
        self.compact.setdefault(norm.replace(" ", ""), []).append((key, alias))

    def lookup(self, text: str, min_score: float = 85.0) -> Optional[Tuple[str, str, float]]:
        """(key, alias, score) for the best match of `text`, or None."""
        norm = normalize(text)
        if not norm:
            return None
        for table, probe in ((self.exact, norm), (self.compact, norm.replace(" ", ""))):
            hits = table.get(probe)
            if hits:
                return hits[0][0], hits[0][1], 100.0
        words = norm.split()
        # a known name inside a sentence ("ik woon in mariaberch") - longest first
        for size in range(min(5, len(words)), 0, -1):
            for i in range(len(words) - size + 1):
                gram = " ".join(words[i:i + size])
                if len(gram) < 3:
                    continue
                hits = self.exact.get(gram) or self.compact.get(gram.replace(" ", ""))
                if hits:
                    return hits[0][0], hits[0][1], 95.0
        candidates = [norm] if len(words) <= 4 else []
        for size in range(min(4, len(words)), 0, -1):
            for i in range(len(words) - size + 1):
                gram = " ".join(words[i:i + size])
                if len(gram) >= 4 and gram != norm:
                    candidates.append(gram)
        best = closest_name(candidates, list(self.exact), min_score)
        if best is None or not close_enough(*best):
            return None
        hits = self.exact[best[0]]
        return hits[0][0], hits[0][1], float(best[1])


# --------------------------------------------------------------------------- knowledge base


class KnowledgeBase:
    """Query object over the database and the validated data files."""

    def __init__(self, engine: Engine, dataset: Dataset, include_demo: bool = True, url: str = ""):
        self.engine = engine
        self.dataset = dataset
        self.include_demo = include_demo
        self.url = url
        self._lock = threading.Lock()
        self._version: Optional[str] = None
        self._buurten: Dict[str, BuurtInfo] = {}
        self._buurt_index = _NameIndex()
        self._place_index = _NameIndex()
        self._sessions = make_session_factory(engine)

    # ----------------------------------------------------------------- caching
    @contextmanager
    def _conn(self) -> Iterator:
        """A Session (ORM rows); tables are queried via `Model.__table__` for mappings."""
        with self._sessions() as session:
            yield session

    def _current_version(self, conn) -> str:
        row = conn.execute(select(m.Meta.value).where(m.Meta.key == "version")).first()
        return row[0] if row else "0"

    def _refresh(self) -> None:
        with self._conn() as conn:
            version = self._current_version(conn)
            if version == self._version:
                return
            with self._lock:
                neighbours: Dict[str, List[str]] = {}
                names = {r.key: r.name for r in conn.execute(select(m.Buurt.key, m.Buurt.name))}
                for row in conn.execute(select(m.Neighbour.buurt_key, m.Neighbour.neighbour_key)):
                    neighbours.setdefault(row.buurt_key, []).append(
                        names.get(row.neighbour_key, row.neighbour_key)
                    )
                variants: Dict[str, List[str]] = {}
                buurt_index, place_index = _NameIndex(), _NameIndex()
                demo_keys = set()
                if not self.include_demo:
                    demo_keys = {
                        r.key for r in conn.execute(select(m.Service.key).where(m.Service.is_demo.is_(True)))
                    }
                alias_t = m.Alias.__table__
                for row in conn.execute(select(alias_t).order_by(alias_t.c.id)).mappings():
                    if row["entity"] == "buurt":
                        buurt_index.add(row["normalized"], row["entity_key"], row["alias"])
                        variants.setdefault(row["entity_key"], []).append(row["alias"])
                    elif row["entity_key"] not in demo_keys:
                        place_index.add(row["normalized"], row["entity_key"], row["alias"])
                buurten = {}
                buurt_t = m.Buurt.__table__
                for row in conn.execute(select(buurt_t).order_by(buurt_t.c.name)).mappings():
                    buurten[row["key"]] = BuurtInfo(
                        name=row["name"],
                        key=row["key"],
                        stadsdeel=row["stadsdeel"],
                        stadsdeel_source=row["stadsdeel_source"],
                        source=row["source"],
                        verified=row["verified"],
                        lat=row["lat"],
                        lon=row["lon"],
                        centroid_source=row["centroid_source"],
                        neighbours=tuple(sorted(neighbours.get(row["key"], []))),
                        variants=tuple(variants.get(row["key"], [])),
                    )
                self._buurten, self._buurt_index, self._place_index = buurten, buurt_index, place_index
                self._version = version

    # ----------------------------------------------------------------- buurten
    def stadsdelen(self) -> List[str]:
        return list(self.dataset.stadsdelen)

    def buurten(self, stadsdeel: Optional[str] = None) -> List[BuurtInfo]:
        self._refresh()
        items = list(self._buurten.values())
        if stadsdeel:
            items = [b for b in items if normalize(b.stadsdeel) == normalize(stadsdeel)]
        return sorted(items, key=lambda b: b.name)

    def buurt(self, text: str) -> Optional[BuurtInfo]:
        match = self.resolve_buurt(text)
        return self._buurten.get(match.key) if match else None

    def neighbours(self, buurt: str) -> List[str]:
        info = self.buurt(buurt)
        return list(info.neighbours) if info else []

    def resolve_buurt(self, text: str) -> Optional[BuurtMatch]:
        """The buurt a resident means: exact, known variant, dialect, or a close typo."""
        if not text:
            return None
        self._refresh()
        found = self._buurt_index.lookup(text)
        if not found:
            return None
        key, alias, score = found
        info = self._buurten[key]
        return BuurtMatch(name=info.name, key=key, stadsdeel=info.stadsdeel, score=score, matched=alias,
                          verified_stadsdeel=info.verified)

    def postcode_matches(self, postcode: str) -> List[PostcodeMatch]:
        code = extract_postcode(postcode) or (postcode or "").strip()[:4]
        self._refresh()
        with self._conn() as conn:
            pc_t = m.Postcode.__table__
            rows = conn.execute(select(pc_t).where(pc_t.c.postcode == code)).mappings().all()
        out = []
        for row in rows:
            info = self._buurten.get(row["buurt_key"])
            if info:
                out.append(PostcodeMatch(code, info.name, info.stadsdeel, row["verified"], row["source"]))
        return sorted(out, key=lambda p: p.buurt)

    def buurten_for_postcode(self, postcode: str) -> List[str]:
        """Canonical buurt names for a 4-digit postcode ("6218", "6218 AB"); several means: ask which."""
        return [p.buurt for p in self.postcode_matches(postcode)]

    def nearest_buurt(self, lat: float, lon: float) -> Optional[BuurtInfo]:
        self._refresh()
        best = None
        for info in self._buurten.values():
            if info.lat is None or info.lon is None:
                continue
            d = haversine_km(lat, lon, info.lat, info.lon)
            if best is None or d < best[0]:
                best = (d, info)
        return best[1] if best else None

    # ----------------------------------------------------------------- places
    def _place_rows(self, conn, where=()):
        query = (
            select(m.Service, m.Location, m.Organization.name.label("org_name"),
                   m.Organization.ownership.label("ownership"))
            .join(m.Location, m.Service.location_key == m.Location.key, isouter=True)
            .join(m.Organization, m.Service.organization_key == m.Organization.key, isouter=True)
        )
        for cond in where:
            query = query.where(cond)
        if not self.include_demo:
            query = query.where(m.Service.is_demo.is_(False))
        return conn.execute(query).all()

    def _to_place(self, service, location, org_name, ownership, contacts=()) -> Place:
        buurt = self._buurten.get(location.buurt_key) if location is not None and location.buurt_key else None
        return Place(
            key=service.key, name=service.name, place_type=service.place_type,
            buurt=buurt.name if buurt else None, stadsdeel=buurt.stadsdeel if buurt else None,
            buurt_as_written=location.buurt_as_written if location is not None else None,
            address=location.address if location is not None else None,
            postal_code=location.postal_code if location is not None else None,
            city=location.city if location is not None else None,
            lat=location.lat if location is not None else None,
            lon=location.lon if location is not None else None,
            accessibility=location.accessibility if location is not None else None,
            description=service.description, target_groups=_split(service.target_groups), cost=service.cost,
            languages=_split(service.languages), opening_hours=service.opening_hours, phone=service.phone,
            email=service.email, url=service.url, organization=org_name, ownership=ownership,
            source=service.source, verified=service.verified, is_demo=service.is_demo, origin=service.origin,
            contacts=tuple(contacts),
        )

    def resolve_place(self, text: str) -> Optional[Place]:
        """A place by (part of) its name as residents write it ("t ruweel", "Ruweel")."""
        if not text:
            return None
        self._refresh()
        found = self._place_index.lookup(text)
        if not found:
            return None
        return self.place_details(found[0])

    def place_details(self, place: str) -> Optional[Place]:
        """A place by key or name, with its contacts."""
        self._refresh()
        with self._conn() as conn:
            rows = self._place_rows(conn, (m.Service.key == place,))
            if not rows:
                found = self._place_index.lookup(place)
                if not found:
                    return None
                rows = self._place_rows(conn, (m.Service.key == found[0],))
                if not rows:
                    return None
            service, location, org_name, ownership = rows[0]
            contact_rows = conn.execute(
                select(m.Contact).where(m.Contact.service_key == service.key).order_by(m.Contact.key)
            ).scalars().all()
            contacts = [Contact(c.name, c.title, c.phone, c.email, c.source, c.verified, c.is_demo)
                        for c in contact_rows]
        return self._to_place(service, location, org_name, ownership, contacts)

    def place_source(self, key: str):
        """The public page behind a place's address and contact details (knowledge/data/sources.yml):
        a SourcedFacts with url, read (date), publisher and values; None when no page was found."""
        return (getattr(self.dataset, "place_sources", None) or {}).get(key)

    def places(self, buurt: Optional[str] = None, place_type: Optional[str] = None) -> List[Place]:
        """All places (optionally in one buurt / of one type), sorted by name."""
        self._refresh()
        where = []
        if place_type:
            where.append(m.Service.place_type == place_type)
        if buurt:
            match = self.resolve_buurt(buurt)
            if not match:
                return []
            where.append(m.Location.buurt_key == match.key)
        with self._conn() as conn:
            rows = self._place_rows(conn, where)
        return sorted((self._to_place(*row) for row in rows), key=lambda p: p.name)

    def find_places(
        self,
        buurt: Optional[str] = None,
        postcode: Optional[str] = None,
        lat: Optional[float] = None,
        lon: Optional[float] = None,
        place_type: Optional[Union[str, Sequence[str]]] = None,
        target_group: Optional[str] = None,
        limit: int = 3,
        offset: int = 0,
    ) -> List[PlaceResult]:
        """Nearest places: those in the buurt first, then by distance from the centroid or pin.

        `buurt` may be free text (resolved like resolve_buurt); a postcode with
        several buurten counts all of them as "in the buurt". Filters: place type
        (one or a list) and target group (places for "iedereen" always match).
        """
        self._refresh()
        home_keys: List[str] = []
        origin: Optional[Tuple[float, float]] = None
        exact_origin = False
        if lat is not None and lon is not None:
            origin, exact_origin = (float(lat), float(lon)), True
            near = self.nearest_buurt(origin[0], origin[1])
            close = (near is not None and near.lat is not None and near.lon is not None
                     and haversine_km(origin[0], origin[1], near.lat, near.lon) < 0.6)
            home_keys = [near.key] if near is not None and close else []
        elif buurt:
            match = self.resolve_buurt(buurt)
            if match is None:
                return []
            home_keys = [match.key]
        elif postcode:
            matches = self.postcode_matches(postcode)
            home_keys = [found.key for pm in matches if (found := self.resolve_buurt(pm.buurt)) is not None]
            if not home_keys:
                return []
        if origin is None and home_keys:
            homes = [self._buurten[k] for k in home_keys]
            points = [(b.lat, b.lon) for b in homes if b.lat is not None and b.lon is not None]
            if points:
                origin = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
        types = None
        if place_type:
            types = [place_type] if isinstance(place_type, str) else list(place_type)
        where = [m.Service.status == "active"]
        if types:
            where.append(m.Service.place_type.in_(types))
        with self._conn() as conn:
            rows = self._place_rows(conn, where)
        results = []
        for service, location, _org, _own in rows:
            groups = _split(service.target_groups)
            if target_group and target_group not in groups and "iedereen" not in groups:
                continue
            buurt_key = location.buurt_key if location is not None else None
            info = self._buurten.get(buurt_key) if buurt_key else None
            point, approximate = None, True
            if location is not None and location.lat is not None and location.lon is not None:
                point, approximate = (location.lat, location.lon), False
            elif info is not None and info.lat is not None:
                point = (info.lat, info.lon)
            distance = None
            if origin is not None and point is not None:
                distance = round(haversine_km(origin[0], origin[1], point[0], point[1]), 2)
                approximate = approximate or not exact_origin
            results.append(PlaceResult(
                key=service.key, name=service.name, place_type=service.place_type,
                buurt=info.name if info else None, stadsdeel=info.stadsdeel if info else None,
                distance_km=distance, distance_approximate=approximate if distance is not None else True,
                in_buurt=bool(buurt_key and buurt_key in home_keys),
                address=location.address if location is not None else None, target_groups=groups,
                description=service.description, source=service.source, verified=service.verified,
                is_demo=service.is_demo,
            ))
        results.sort(key=lambda r: (
            not r.in_buurt,
            r.distance_km is None,
            r.distance_km if r.distance_km is not None else 0.0,
            r.is_demo,
            r.name,
        ))
        return results[offset:offset + limit] if limit else results[offset:]

    # ----------------------------------------------------------------- activities
    def activity_kind(self, text: str) -> Optional[str]:
        """The kind of activity a resident asks for ("is er bingo?" -> "bingo"), or None."""
        words = f" {normalize(text or '')} "
        for kind, terms in activity_kinds().items():
            if any(f" {normalize(term)} " in words for term in terms):
                return kind
        return None

    def activities(
        self,
        start: datetime,
        end: datetime,
        buurt: Optional[str] = None,
        place: Optional[str] = None,
        place_type: Optional[str] = None,
        target_group: Optional[str] = None,
        limit: Optional[int] = None,
        kind: Optional[str] = None,
    ) -> List[Occurrence]:
        """Occurrences of activities overlapping [start, end), sorted by start time;
        `kind` keeps those whose title or description has one of its words."""
        from dateutil.rrule import rrulestr

        self._refresh()
        start, end = _aware(start), _aware(end)
        where = []
        if buurt:
            match = self.resolve_buurt(buurt)
            if not match:
                return []
            where.append(m.Location.buurt_key == match.key)
        if place:
            found = self.place_details(place)
            if not found:
                return []
            where.append(m.Service.key == found.key)
        if place_type:
            where.append(m.Service.place_type == place_type)
        query = (
            select(
                m.Schedule,
                m.Service.name,
                m.Service.place_type,
                m.Service.target_groups,
                m.Location.buurt_key,
            )
            .join(m.Service, m.Schedule.service_key == m.Service.key)
            .join(m.Location, m.Service.location_key == m.Location.key, isouter=True)
        )
        for cond in where:
            query = query.where(cond)
        if not self.include_demo:
            query = query.where(m.Schedule.is_demo.is_(False), m.Service.is_demo.is_(False))
        with self._conn() as conn:
            rows = conn.execute(query).all()
        out: List[Occurrence] = []
        kind_terms = [f" {normalize(t)} " for t in activity_kinds().get(kind, ())] if kind else []
        for sched, place_name, ptype, place_groups, buurt_key in rows:
            if kind_terms:
                words = " " + normalize(" ".join([sched.title or "", sched.description or ""])) + " "
                if not any(term in words for term in kind_terms):
                    continue
            groups = _split(sched.target_groups) or _split(place_groups)
            if target_group and groups and target_group not in groups and "iedereen" not in groups:
                continue
            duration = timedelta(minutes=sched.duration_minutes or 0)
            first = sched.dtstart.replace(tzinfo=TZ)
            if sched.rrule:
                rule = rrulestr(sched.rrule, dtstart=first)
                exdates = {datetime.fromisoformat(x) for x in _split(sched.exdates)}
                window_start = start - duration - timedelta(seconds=1)
                starts = [s for s in rule.between(window_start, end, inc=True)
                          if s.replace(tzinfo=None) not in exdates]
                if sched.valid_to:
                    starts = [s for s in starts if s.date() <= sched.valid_to]
            else:
                starts = [first]
            info = self._buurten.get(buurt_key) if buurt_key else None
            for s in starts:
                s = s.astimezone(TZ)
                e = s + duration if sched.duration_minutes else None
                if s >= end or (e or s + timedelta(seconds=1)) <= start:
                    continue
                out.append(Occurrence(
                    activity_key=sched.key, title=sched.title, description=sched.description,
                    place_key=sched.service_key, place_name=place_name, place_type=ptype,
                    buurt=info.name if info else None, start=s, end=e, recurring=bool(sched.rrule),
                    target_groups=groups, cost=sched.cost, source=sched.source, verified=sched.verified,
                    is_demo=sched.is_demo,
                ))
        out.sort(key=lambda o: (o.start, o.place_name, o.title))
        return out[:limit] if limit else out

    def activities_when(self, phrase: str, now: Optional[datetime] = None, **filters) -> List[Occurrence]:
        """Activities for a Dutch date phrase ("dit weekend", "woensdagmiddag")."""
        span = self.resolve_when(phrase, now)
        if span is None:
            return []
        return self.activities(span[0], span[1], **filters)

    @staticmethod
    def resolve_when(text: str, now: Optional[datetime] = None) -> Optional[Tuple[datetime, datetime]]:
        return _resolve_when(text, now)

    # ----------------------------------------------------------------- policy
    def plans_for_buurt(self, buurt: str) -> List[Plan]:
        match = self.resolve_buurt(buurt)
        if not match:
            return []
        return [p for p in self.plans() if p.buurt == match.name]

    def plans(self, place_type: Optional[str] = None, target_group: Optional[str] = None) -> List[Plan]:
        """All planned developments of 7.2 (one per buurt; stadsbreed last), optionally filtered."""
        self._refresh()
        with self._conn() as conn:
            rows = conn.execute(select(m.Plan).order_by(m.Plan.key)).scalars().all()
        out = []
        for row in rows:
            info = self._buurten.get(row.buurt_key) if row.buurt_key else None
            plan = Plan(
                buurt=info.name if info else None,
                buurt_as_written=row.buurt_as_written,
                stadsdeel_as_written=row.stadsdeel_as_written,
                development=row.development,
                how=row.how,
                place_types=_split(row.place_types),
                target_groups=_split(row.target_groups),
                source=row.source,
            )
            if place_type and place_type not in plan.place_types:
                continue
            if target_group and target_group not in plan.target_groups:
                continue
            out.append(plan)
        return sorted(out, key=lambda p: (p.buurt is None, p.buurt or ""))

    def huis_van_de_wijk_search_locations(self) -> SearchLocations:
        h = self.dataset.hvdw_search_locations
        return SearchLocations(tuple(h["buurten"]), tuple(h["first"]), h["text"] or "", h["source"] or "")

    def place_types(self) -> List[PlaceType]:
        return [PlaceType(t["key"], t["name"], t["category"], t["explanation"], t["source"], t["nlu"],
                          tuple(t["variants"]), t.get("name_en", "")) for t in self.dataset.place_types]

    def place_type(self, key: str) -> Optional[PlaceType]:
        return next((t for t in self.place_types() if t.key == key), None)

    def place_type_categories(self) -> List[dict]:
        """The three types of meeting place of chapter 3 (plain words)."""
        return [dict(c) for c in self.dataset.place_type_categories]

    def subsidy(self) -> Subsidy:
        doc = self.dataset.subsidy
        check = doc.get("check_with") or {}
        check_text = check.get("text", "")
        topics = tuple(
            SubsidyTopic(t["key"], t.get("title", ""), t["text"], bool(t["confirmed"]), t["source"])
            for t in doc.get("topics") or []
        )
        steps = tuple(SubsidyStep(int(s["order"]), s["text"], bool(s["confirmed"]), s["source"],
                                  None if s["confirmed"] else check_text)
                      for s in sorted(doc.get("steps") or [], key=lambda s: s["order"]))
        rules = tuple(PrecheckRule(r["key"], r["applies"], r["text"], r["todo"], bool(r["confirmed"]),
                                   r["source"], "" if r["confirmed"] else r.get("status", ""))
                      for r in (doc.get("precheck") or {}).get("rules") or [])
        return Subsidy(doc.get("name", "Kracht van de Samenleving"), topics, steps, check_text,
                       str(check.get("phone", "")), check.get("source", ""), rules)


# --------------------------------------------------------------------------- opening

_CACHE: Dict[Tuple[str, str, bool], KnowledgeBase] = {}
_CACHE_LOCK = threading.Lock()


@contextmanager
def _cross_process_lock(url: str, engine: Engine):
    """Serialise migrate+sync across processes (advisory lock / lock file)."""
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            conn.execute(sql_text("SELECT pg_advisory_lock(74110301)"))
            try:
                yield
            finally:
                conn.execute(sql_text("SELECT pg_advisory_unlock(74110301)"))
                conn.commit()
        return
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    if not path or path == ":memory:":
        yield
        return
    import fcntl

    lock_path = Path(path + ".knowledge.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def bump_version(session) -> None:
    """Tell every KnowledgeBase that the data changed (they re-read their caches)."""
    import uuid

    row = session.get(m.Meta, "version")
    if row is None:
        session.add(m.Meta(key="version", value=uuid.uuid4().hex))
    else:
        row.value = uuid.uuid4().hex


def sync_files(engine: Engine, dataset: Dataset):
    """Sync the data files into the database unless the same files were synced already."""
    from knowledge.sync import sync_dataset
    from ontmoet_core.db import make_session_factory

    session_factory = make_session_factory(engine)
    with session_factory() as session:
        stamp = session.get(m.Meta, "files_fingerprint")
        if stamp is not None and stamp.value == dataset.fingerprint:
            return None
        counts = sync_dataset(session, dataset)
        if stamp is None:
            session.add(m.Meta(key="files_fingerprint", value=dataset.fingerprint))
        else:
            stamp.value = dataset.fingerprint
        if counts.changed or session.get(m.Meta, "version") is None:
            bump_version(session)
        session.commit()
        return counts


def open_knowledge(database_url: str, data_dir: Optional[Path] = None, include_demo: bool = True,
                   refresh: bool = False) -> KnowledgeBase:
    """Migrate the database, sync knowledge/data into it and return the query object.

    Cached per (URL, data dir, include_demo); cheap to call again. Safe for
    concurrent processes (migration and sync run under a lock). Raises
    KnowledgeError when a data file is invalid (nothing is written then).
    """
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    cache_key = (database_url, str(data_dir.resolve()), bool(include_demo))
    with _CACHE_LOCK:
        if not refresh and cache_key in _CACHE:
            return _CACHE[cache_key]
        dataset = load_dataset(data_dir, include_demo=include_demo)
        engine = make_engine(database_url)
        with _cross_process_lock(database_url, engine):
            upgrade_database(database_url)
            sync_files(engine, dataset)
        kb = KnowledgeBase(engine, dataset, include_demo=include_demo, url=database_url)
        old = _CACHE.pop(cache_key, None)
        if old is not None:
            old.engine.dispose()
        _CACHE[cache_key] = kb
        return kb


def clear_cache() -> None:
    """Forget cached KnowledgeBase objects (tests)."""
    with _CACHE_LOCK:
        for kb in _CACHE.values():
            kb.engine.dispose()
        _CACHE.clear()
