"""Shared import machinery: detection, buurt resolution, all-or-nothing write."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from sqlalchemy import select

from knowledge import models as m
from knowledge.records import Bundle, KnowledgeError, ValidationProblems
from knowledge.sync import SyncCounts, sync_bundle

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.api import KnowledgeBase

PLACE_TYPE_WORDS = (
    ("huis van de wijk", "huis_van_de_wijk"),
    ("ontmoetingscentrum", "ontmoetingscentrum"),
    ("sociaal restaurant", "sociaal_restaurant"),
    ("restaurant", "sociaal_restaurant"),
    ("huiskamer", "huiskamer"),
    ("buurtbrok", "buurtbrok"),
    ("jongeren", "jongerenplek"),
    ("gemeenschapshuis", "gemeenschapshuis"),
    ("buurtcentrum", "gemeenschapshuis"),
    ("buurthuis", "gemeenschapshuis"),
    ("kinderboerderij", "kinderboerderij"),
)


@dataclass
class ImportResult:
    file: str
    kind: str
    origin: str
    records: int
    counts: SyncCounts
    warnings: List[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.counts.changed > 0

    def summary(self) -> str:
        c = self.counts
        return (
            f"{self.file} ({self.kind}): {self.records} records; inserted {c.inserted}, updated {c.updated}, "
            f"deleted {c.deleted}, unchanged {c.unchanged}"
        )


def detect_kind(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir() or name.endswith(".zip"):
        return "hsds-csv"
    if name.endswith(".ics") or name.endswith(".ical"):
        return "ics"
    if name.endswith(".json"):
        return "hsds-json"
    if name.endswith(".csv"):
        head = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()[:1]
        header = head[0].lower() if head else ""
        cols = {c.strip().strip('"') for c in header.split(",")}
        if "place_type" in cols or "buurt" in cols:
            return "template"
        return "hsds-csv"
    raise KnowledgeError(
        [f"{path.name}: unknown file type (expected .json, .csv, .ics, .zip or a directory)"]
    )


def stable_key(prefix: str, raw: str) -> str:
    raw = str(raw).strip()
    if re.fullmatch(r"[A-Za-z0-9._:-]{1,80}", raw):
        return f"{prefix}-{raw}"
    return f"{prefix}-{hashlib.sha1(raw.encode()).hexdigest()[:20]}"


def infer_place_type(*texts: Optional[str]) -> Optional[str]:
    from knowledge.textnorm import normalize

    joined = " ".join(normalize(t) for t in texts if t)
    for word, key in PLACE_TYPE_WORDS:
        if word in joined:
            return key
    return None


def resolve_location_buurt(kb: "KnowledgeBase", problems: ValidationProblems, row, *, buurt: Optional[str],
                           postal_code: Optional[str], lat: Optional[float], lon: Optional[float],
                           field_name: str = "buurt"):
    """(buurt key, how) from an explicit buurt, the postcode (one buurt only) or the coordinates."""
    if buurt:
        match = kb.resolve_buurt(buurt)
        if match is None or match.score < 85:
            problems.add(row, field_name, f"unknown buurt '{buurt}'")
            return None, None
        return match.key, "given"
    if postal_code:
        buurten = kb.buurten_for_postcode(postal_code)
        match = kb.resolve_buurt(buurten[0]) if len(buurten) == 1 else None
        if match is not None:
            return match.key, "postcode (approximate)"
    if lat is not None and lon is not None:
        if not (50.7 < lat < 51.0 and 5.5 < lon < 5.9):
            problems.add(row, "latitude/longitude", f"({lat}, {lon}) is not in Maastricht")
            return None, None
        near = kb.nearest_buurt(lat, lon)
        if near is not None:
            return near.key, "coordinates (nearest buurt centroid, approximate)"
    problems.add(
        row, field_name, "cannot tell the buurt: give a buurt, a postcode of one buurt, or coordinates"
    )
    return None, None


def parse_float(value, problems: ValidationProblems, row, field_name: str) -> Optional[float]:
    if value in (None, ""):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        problems.add(row, field_name, f"'{value}' is not a number")
        return None


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file():
                digest.update(child.name.encode())
                digest.update(child.read_bytes())
    else:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _check_key_conflicts(kb: "KnowledgeBase", bundle: Bundle, origin: str, file_name: str) -> None:
    problems = ValidationProblems(file_name)
    with kb._conn() as session:
        for model, records, label in (
            (m.Organization, bundle.organizations, "organization"),
            (m.Service, bundle.places, "place"),
            (m.Schedule, bundle.activities, "activity"),
            (m.Contact, bundle.contacts, "contact"),
        ):
            keys = [r.key for r in records]
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                rows = session.execute(select(model.key, model.origin).where(model.key.in_(chunk))).all()
                for key, other in rows:
                    if other != origin:
                        problems.add(None, "id", f"{label} '{key}' already exists from '{other}'")
        place_keys = {p.key for p in bundle.places}
        missing = {a.place_key for a in bundle.activities if a.place_key not in place_keys}
        if missing:
            found = {k for (k,) in session.execute(select(m.Service.key).where(m.Service.key.in_(missing)))}
            for key in sorted(missing - found):
                problems.add(None, "place", f"unknown place '{key}'")
    problems.raise_if_any()


def write_bundle(kb: "KnowledgeBase", bundle: Bundle, path: Path, kind: str) -> SyncCounts:
    from knowledge.api import bump_version

    origin = f"import:{path.name}"
    _check_key_conflicts(kb, bundle, origin, path.name)
    counts = SyncCounts()
    with kb._sessions() as session:
        try:
            sync_bundle(session, bundle, origin, counts)
            sha = _file_sha(path)
            if counts.changed:
                bump_version(session)
            if session.get(m.ImportLog, sha) is None and counts.changed:
                session.add(m.ImportLog(sha256=sha, file_name=path.name, kind=kind, records=bundle.count(),
                                        imported_at=datetime.now(timezone.utc).replace(tzinfo=None)))
            session.commit()
        except Exception:
            session.rollback()
            raise
    return counts
