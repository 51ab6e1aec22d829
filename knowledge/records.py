"""Plain records shared by the data-file loader, the importers and the sync.

Also `ValidationProblems`: every error names file, row and field, and a file
with any error is rejected as a whole.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Dict, List, Optional, Tuple

PLACE_TYPES_FALLBACK = (
    "gemeenschapshuis",
    "ontmoetingscentrum",
    "huis_van_de_wijk",
    "huiskamer",
    "sociaal_restaurant",
    "buurtbrok",
    "jongerenplek",
    "ontmoetingsplek",
    "kinderboerderij",
)
TARGET_GROUPS = ("ouderen", "jongeren", "kinderen", "volwassenen", "gezinnen", "nieuwkomers", "iedereen")


class KnowledgeError(Exception):
    """A data or import file is invalid; `problems` lists every error."""

    def __init__(self, problems: List[str]):
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} problem(s):\n{shown}{more}")


class ValidationProblems:
    def __init__(self, file_name: str):
        self.file_name = file_name
        self.items: List[str] = []

    def add(self, row, field_name: Optional[str], message: str) -> None:
        where = [self.file_name]
        if row is not None:
            where.append(f"row {row}")
        if field_name:
            where.append(f"field '{field_name}'")
        self.items.append(f"{': '.join(where)}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise KnowledgeError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class BuurtRecord:
    key: str
    name: str
    stadsdeel: str
    stadsdeel_source: str
    source: str
    verified: bool
    variants: List[str] = field(default_factory=list)
    lat: Optional[float] = None
    lon: Optional[float] = None
    centroid_source: Optional[str] = None


@dataclass
class OrganizationRecord:
    key: str
    name: str
    source: str
    verified: bool = False
    is_demo: bool = False
    description: Optional[str] = None
    ownership: Optional[str] = None
    url: Optional[str] = None
    email: Optional[str] = None


@dataclass
class PlaceRecord:
    """A place as residents see it: HSDS service + its location (flattened)."""

    key: str
    name: str
    place_type: str
    source: str
    verified: bool = False
    is_demo: bool = False
    buurt_key: Optional[str] = None
    buurt_as_written: Optional[str] = None
    organization_key: Optional[str] = None
    address: Optional[str] = None
    postal_code: Optional[str] = None
    city: Optional[str] = None
    lat: Optional[float] = None
    lon: Optional[float] = None
    accessibility: Optional[str] = None
    description: Optional[str] = None
    target_groups: List[str] = field(default_factory=lambda: ["iedereen"])
    cost: Optional[str] = None
    languages: List[str] = field(default_factory=list)
    status: str = "active"
    url: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    opening_hours: Optional[str] = None
    notes: Optional[str] = None
    aliases: List[str] = field(default_factory=list)


@dataclass
class ActivityRecord:
    key: str
    place_key: str
    title: str
    dtstart: datetime  # local wall-clock time, naive
    source: str
    verified: bool = False
    is_demo: bool = False
    description: Optional[str] = None
    duration_minutes: Optional[int] = None
    rrule: Optional[str] = None
    exdates: List[datetime] = field(default_factory=list)
    valid_to: Optional[date] = None
    timezone: str = "Europe/Amsterdam"
    target_groups: List[str] = field(default_factory=list)
    cost: Optional[str] = None


@dataclass
class ContactRecord:
    key: str
    place_key: str
    source: str
    verified: bool = False
    is_demo: bool = False
    name: Optional[str] = None
    title: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None


@dataclass
class PlanRecord:
    key: str
    buurt_keys: List[str]
    buurt_as_written: str
    stadsdeel_as_written: Optional[str]
    development: str
    how: str
    place_types: List[str]
    target_groups: List[str]
    source: str


@dataclass
class Bundle:
    """Records of one origin (the data files, or one import file)."""

    organizations: List[OrganizationRecord] = field(default_factory=list)
    places: List[PlaceRecord] = field(default_factory=list)
    activities: List[ActivityRecord] = field(default_factory=list)
    contacts: List[ContactRecord] = field(default_factory=list)

    def count(self) -> int:
        return len(self.organizations) + len(self.places) + len(self.activities) + len(self.contacts)


@dataclass
class SourcedFacts:
    """Facts from one public page (knowledge/data/sources.yml): page, date read, values."""

    url: str
    read: date
    publisher: str
    # field -> value as the page gives it: str, a (lat, lon) point or a list of postcodes
    values: Dict[str, Any] = field(default_factory=dict)
    note: Optional[str] = None

    @property
    def label(self) -> str:
        """How the source is named in the data: "Wikipedia: https://... (read 2026-12-01)"."""
        return f"{self.publisher}: {self.url} (read {self.read.isoformat()})"


@dataclass
class Dataset:
    """Everything in knowledge/data, validated."""

    stadsdelen: List[str]
    buurten: List[BuurtRecord]
    neighbours: List[Tuple[str, str]]
    neighbour_source: str
    postcodes: List[Tuple[str, str, str, bool]]  # postcode, buurt key, source, verified
    place_types: List[dict]
    place_type_categories: List[dict]
    target_groups: List[dict]
    plans: List[PlanRecord]
    hvdw_search_locations: dict
    subsidy: dict
    seed: Bundle
    demo: Bundle
    fingerprint: str = ""
    buurt_by_key: Dict[str, BuurtRecord] = field(default_factory=dict)
    buurt_sources: Dict[str, SourcedFacts] = field(default_factory=dict)  # buurt key -> sourced facts
    place_sources: Dict[str, SourcedFacts] = field(default_factory=dict)  # place key -> sourced facts
