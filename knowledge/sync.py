"""Write records into the database idempotently (diff by stable key).

Rows belong to an `origin` ("files" or "import:<file name>"). Syncing an origin
inserts new rows, updates changed rows and deletes rows of that origin that are
no longer in the input; rows of other origins are never touched. Running the
same input twice changes nothing (the counts come back zero).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.records import Bundle, Dataset
from knowledge.textnorm import compact, normalize, written_variants

FILES = "files"


@dataclass
class SyncCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    by_table: Dict[str, Tuple[int, int, int]] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted

    def as_dict(self) -> dict:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }


def _join(values: Iterable[str]) -> str:
    return ",".join(v for v in values if v)


def _sync_table(session: Session, table, pk: Tuple[str, ...], rows: List[dict], scope, counts: SyncCounts,
                delete_missing: bool = True, upsert: bool = True) -> None:
    """Make the rows of `table` matching `scope` equal to `rows` (by primary key)."""
    cols = [table.c[name] for name in pk]
    existing = {}
    query = select(table)
    if scope is not None:
        query = query.where(scope)
    for row in session.execute(query).mappings():
        existing[tuple(row[name] for name in pk)] = dict(row)
    wanted = {}
    for row in rows:
        wanted[tuple(row[name] for name in pk)] = row
    ins = upd = dele = 0
    for key, row in (wanted.items() if upsert else ()):
        old = existing.get(key)
        if old is None:
            session.execute(insert(table).values(**row))
            ins += 1
            continue
        diff = {k: v for k, v in row.items() if old.get(k) != v}
        if diff:
            cond = [c == v for c, v in zip(cols, key, strict=False)]
            session.execute(update(table).where(*cond).values(**diff))
            upd += 1
        else:
            counts.unchanged += 1
    if delete_missing:
        for key in existing:
            if key not in wanted:
                cond = [c == v for c, v in zip(cols, key, strict=False)]
                session.execute(delete(table).where(*cond))
                dele += 1
    counts.inserted += ins
    counts.updated += upd
    counts.deleted += dele
    prev = counts.by_table.get(table.name, (0, 0, 0))
    counts.by_table[table.name] = (prev[0] + ins, prev[1] + upd, prev[2] + dele)


def _alias_rows(
    entity: str, key: str, names: Iterable[str], origin: str, kind: str = "variant"
) -> List[dict]:
    rows = {}
    for name in names:
        for variant in written_variants(name):
            norm = normalize(variant)
            if norm and norm not in rows:
                rows[norm] = {
                    "entity": entity,
                    "entity_key": key,
                    "alias": variant,
                    "normalized": norm,
                    "kind": kind,
                    "origin": origin,
                }
    return list(rows.values())


_TYPE_PREFIX = re.compile(
    r"(?i)^(voorbeeld[-\s]+)?(huiskamer|sociaal restaurant|jongerenplek|buurtcentrum|gemeenschapshuis|"
    r"wijkcentrum|dorpscentrum|ontmoetingscentrum|buurthuis|buurtkamer)\s+(.{4,})$"
)


def core_names(name: str, taken: Set[str]) -> List[str]:
    """"Voorbeeld-huiskamer De Koffiepot" -> ["De Koffiepot"], unless the rest names a buurt."""
    match = _TYPE_PREFIX.match(name.strip())
    if not match:
        return []
    core = match.group(3).strip()
    if normalize(core) in taken or compact(core) in taken:
        return []
    return [core]


def bundle_rows(bundle: Bundle, origin: str, buurt_names: Optional[Set[str]] = None) -> Dict[str, List[dict]]:
    orgs, locs, services, schedules, contacts, aliases = [], [], [], [], [], []
    for org in bundle.organizations:
        orgs.append(dict(key=org.key, name=org.name, description=org.description, ownership=org.ownership,
                         url=org.url, email=org.email, source=org.source, verified=org.verified,
                         is_demo=org.is_demo, origin=origin))
    for p in bundle.places:
        locs.append(dict(key=p.key, name=p.name, buurt_key=p.buurt_key, buurt_as_written=p.buurt_as_written,
                         address=p.address, postal_code=p.postal_code, city=p.city, lat=p.lat, lon=p.lon,
                         accessibility=p.accessibility, source=p.source, verified=p.verified,
                         is_demo=p.is_demo, origin=origin))
        services.append(dict(key=p.key, name=p.name, organization_key=p.organization_key, location_key=p.key,
                             place_type=p.place_type, description=p.description,
                             target_groups=_join(p.target_groups) or "iedereen", cost=p.cost,
                             languages=_join(p.languages) or None, status=p.status, url=p.url, email=p.email,
                             phone=p.phone, opening_hours=p.opening_hours, notes=p.notes, source=p.source,
                             verified=p.verified, is_demo=p.is_demo, origin=origin))
        derived = core_names(p.name, buurt_names or set())
        aliases.extend(_alias_rows("place", p.key, [p.name, *p.aliases, *derived], origin))
    for a in bundle.activities:
        schedules.append(dict(key=a.key, service_key=a.place_key, title=a.title, description=a.description,
                              dtstart=a.dtstart, duration_minutes=a.duration_minutes, rrule=a.rrule,
                              exdates=_join(d.isoformat() for d in a.exdates) or None, valid_to=a.valid_to,
                              timezone=a.timezone, target_groups=_join(a.target_groups) or None, cost=a.cost,
                              source=a.source, verified=a.verified, is_demo=a.is_demo, origin=origin))
    for c in bundle.contacts:
        contacts.append(dict(key=c.key, service_key=c.place_key, name=c.name, title=c.title, phone=c.phone,
                             email=c.email, source=c.source, verified=c.verified, is_demo=c.is_demo,
                             origin=origin))
    return {"organizations": orgs, "locations": locs, "services": services, "schedules": schedules,
            "contacts": contacts, "aliases": aliases}


def _buurt_names(session: Session) -> Set[str]:
    table = m.Alias.__table__
    names = set()
    for (norm,) in session.execute(select(table.c.normalized).where(table.c.entity == "buurt")):
        names.add(norm)
        names.add(norm.replace(" ", ""))
    return names


def sync_bundle(session: Session, bundle: Bundle, origin: str, counts: SyncCounts) -> None:
    rows = bundle_rows(bundle, origin, _buurt_names(session))
    t = {name: model.__table__ for name, model in (
        ("org", m.Organization), ("loc", m.Location), ("svc", m.Service), ("sch", m.Schedule),
        ("con", m.Contact), ("alias", m.Alias))}
    # inserts/updates parents first ...
    _sync_table(
        session, t["org"], ("key",), rows["organizations"], t["org"].c.origin == origin, counts, False
    )
    _sync_table(session, t["loc"], ("key",), rows["locations"], t["loc"].c.origin == origin, counts, False)
    _sync_table(session, t["svc"], ("key",), rows["services"], t["svc"].c.origin == origin, counts, False)
    _sync_table(session, t["sch"], ("key",), rows["schedules"], t["sch"].c.origin == origin, counts)
    _sync_table(session, t["con"], ("key",), rows["contacts"], t["con"].c.origin == origin, counts)
    alias_scope = (t["alias"].c.origin == origin) & (t["alias"].c.entity == "place")
    alias_rows = rows["aliases"]
    _sync_alias(session, alias_rows, alias_scope, counts)
    # ... and deletes children first
    _sync_table(
        session, t["svc"], ("key",), rows["services"], t["svc"].c.origin == origin, counts, upsert=False
    )
    _sync_table(
        session, t["loc"], ("key",), rows["locations"], t["loc"].c.origin == origin, counts, upsert=False
    )
    _sync_table(session, t["org"], ("key",), rows["organizations"], t["org"].c.origin == origin, counts,
                upsert=False)


def _sync_alias(session: Session, rows: List[dict], scope, counts: SyncCounts) -> None:
    table = m.Alias.__table__
    existing = {}
    for row in session.execute(select(table).where(scope)).mappings():
        existing[(row["entity"], row["entity_key"], row["normalized"])] = dict(row)
    wanted = {(r["entity"], r["entity_key"], r["normalized"]): r for r in rows}
    for key, row in wanted.items():
        old = existing.get(key)
        if old is None:
            session.execute(insert(table).values(**row))
            counts.inserted += 1
        elif old["alias"] != row["alias"] or old["kind"] != row["kind"]:
            session.execute(
                update(table).where(table.c.id == old["id"]).values(alias=row["alias"], kind=row["kind"])
            )
            counts.updated += 1
        else:
            counts.unchanged += 1
    for key, old in existing.items():
        if key not in wanted:
            session.execute(delete(table).where(table.c.id == old["id"]))
            counts.deleted += 1


def sync_dataset(session: Session, dataset: Dataset) -> SyncCounts:
    """Make the FILES rows of the database equal to `dataset` (one transaction, caller commits)."""
    counts = SyncCounts()
    buurt_rows = [
        dict(
            key=b.key,
            name=b.name,
            stadsdeel=b.stadsdeel,
            stadsdeel_source=b.stadsdeel_source,
            source=b.source,
            verified=b.verified,
            lat=b.lat,
            lon=b.lon,
            centroid_source=b.centroid_source,
            origin=FILES,
        )
        for b in dataset.buurten
    ]
    buurt_t = m.Buurt.__table__
    _sync_table(session, buurt_t, ("key",), buurt_rows, buurt_t.c.origin == FILES, counts, False)
    # buurt aliases
    alias_rows = []
    for b in dataset.buurten:
        alias_rows.extend(_alias_rows("buurt", b.key, [b.name], FILES, "generated"))
        seen = {r["normalized"] for r in alias_rows if r["entity_key"] == b.key}
        for row in _alias_rows("buurt", b.key, b.variants, FILES, "variant"):
            if row["normalized"] not in seen:
                alias_rows.append(row)
                seen.add(row["normalized"])
    alias_t = m.Alias.__table__
    _sync_alias(session, alias_rows, (alias_t.c.origin == FILES) & (alias_t.c.entity == "buurt"), counts)
    nb_t = m.Neighbour.__table__
    _sync_table(
        session,
        nb_t,
        ("buurt_key", "neighbour_key"),
        [dict(buurt_key=a, neighbour_key=b, source=dataset.neighbour_source) for a, b in dataset.neighbours],
        None,
        counts,
    )
    pc_t = m.Postcode.__table__
    _sync_table(session, pc_t, ("postcode", "buurt_key"),
                [dict(postcode=p, buurt_key=k, source=s, verified=v) for p, k, s, v in dataset.postcodes],
                None, counts)
    plan_rows = []
    for plan in dataset.plans:
        keys: List[Optional[str]] = list(plan.buurt_keys) or [None]
        for key in keys:
            suffix = f"-{key}" if key and len(plan.buurt_keys) > 1 else ""
            plan_rows.append(
                dict(
                    key=plan.key + suffix,
                    buurt_key=key,
                    buurt_as_written=plan.buurt_as_written,
                    stadsdeel_as_written=plan.stadsdeel_as_written,
                    development=plan.development,
                    how=plan.how,
                    place_types=_join(plan.place_types) or None,
                    target_groups=_join(plan.target_groups) or None,
                    source=plan.source,
                    verified=True,
                    origin=FILES,
                )
            )
    plan_t = m.Plan.__table__
    _sync_table(session, plan_t, ("key",), plan_rows, plan_t.c.origin == FILES, counts)
    combined = Bundle(
        organizations=dataset.seed.organizations + dataset.demo.organizations,
        places=dataset.seed.places + dataset.demo.places,
        activities=dataset.seed.activities + dataset.demo.activities,
        contacts=dataset.seed.contacts + dataset.demo.contacts,
    )
    sync_bundle(session, combined, FILES, counts)
    # buurten removed from the files go last (after places that referenced them)
    _sync_table(session, buurt_t, ("key",), buurt_rows, buurt_t.c.origin == FILES, counts, upsert=False)
    return counts
