"""Knowledge gaps: questions the knowledge base could not answer.

A gap is one moment where a resident asked about a place, an activity or the
subsidy and the assistant had to say it does not know: no place in or near the
buurt, an unknown place name, a place without an address or opening hours, no
activity at the asked moment, a buurt it does not know. Each gap is one row
(kind, buurt, stadsdeel, place, month); no resident, no message text. Counted
per place and per buurt for `ontmoet knowledge report` and `ontmoet insights`.

    record_gap(engine_or_connection, KIND_NO_ADDRESS, buurt="Malberg", place="...")
    gap_counts(engine) -> {"per_place": {...}, "per_buurt": {...}, "total": n}

The caller decides where gaps come from (bot/insights collects them from the
conversations); this module never imports bot/. The engine (or an open
connection, to share the caller's transaction) is always a parameter.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, Mapping, Optional, Union

from sqlalchemy import Column, DateTime, Index, Integer, String, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import declarative_base

# Any: SQLAlchemy 1.4 has no type hints, its declarative base is a runtime class.
Base: Any = declarative_base()

KIND_NO_PLACE = "geen_plek"  # no place in or near the buurt
KIND_UNKNOWN_PLACE = "onbekende_plek"  # a place name the knowledge base does not know
KIND_NO_ADDRESS = "geen_adres"  # a place without address / opening hours
KIND_NO_ACTIVITY = "geen_activiteit"  # no activity at the asked moment
KIND_UNKNOWN_BUURT = "onbekende_buurt"  # a buurt name the knowledge base does not know
KIND_SUBSIDY = "subsidie_onbekend"  # a subsidy question without a sourced answer
KINDS = (KIND_NO_PLACE, KIND_UNKNOWN_PLACE, KIND_NO_ADDRESS, KIND_NO_ACTIVITY,
         KIND_UNKNOWN_BUURT, KIND_SUBSIDY)
KIND_LABELS = {
    KIND_NO_PLACE: "geen plek gevonden",
    KIND_UNKNOWN_PLACE: "onbekende plek",
    KIND_NO_ADDRESS: "adres of openingstijden ontbreken",
    KIND_NO_ACTIVITY: "geen activiteit op dat moment",
    KIND_UNKNOWN_BUURT: "onbekende buurt",
    KIND_SUBSIDY: "subsidievraag zonder antwoord",
}
UNKNOWN = "onbekend"
_MAX_NAME = 80


class KnowledgeGap(Base):
    __tablename__ = "kb_gap"
    __table_args__ = (Index("ix_kb_gap_month", "month"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False)  # naive UTC
    month = Column(String(7), nullable=False)  # "2026-12"
    kind = Column(String(30), nullable=False)
    buurt = Column(String(120))
    stadsdeel = Column(String(60))
    place = Column(String(120))  # the place asked about (as masked text when unknown)


def _clean(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    value = " ".join(str(value).split())[:_MAX_NAME]
    return value or None


def record_gap(bind: Union[Engine, Connection], kind: str, *, buurt: Optional[str] = None,
               stadsdeel: Optional[str] = None, place: Optional[str] = None,
               at: Optional[dt.datetime] = None) -> None:
    """Store one gap. `bind` is an Engine or an open Connection (its transaction)."""
    if kind not in KINDS:
        raise ValueError(f"unknown gap kind: {kind}")
    at = at or dt.datetime.now(dt.timezone.utc)
    if at.tzinfo is not None:
        at = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    values = dict(at=at, month=at.strftime("%Y-%m"), kind=kind, buurt=_clean(buurt),
                  stadsdeel=_clean(stadsdeel), place=_clean(place))
    statement = insert(KnowledgeGap.__table__).values(**values)
    if isinstance(bind, Connection):
        bind.execute(statement)
    else:
        with bind.begin() as connection:
            connection.execute(statement)


def gap_counts(engine: Union[Engine, Connection], since: Optional[dt.datetime] = None,
               month: Optional[str] = None) -> Dict[str, Any]:
    """Gaps counted per place and per buurt (and kind).

    Returns {"per_place": {place: {kind: n}}, "per_buurt": {buurt: {kind: n}},
    "per_stadsdeel": {stadsdeel: {kind: n}}, "per_kind": {kind: n}, "total": n}.
    Gaps without a known buurt count under "onbekend"; gaps without a place are
    only in the buurt counts. Counts are raw: a report for outside readers
    applies its own small-count suppression.
    """
    table = KnowledgeGap.__table__
    query = select(table.c.kind, table.c.buurt, table.c.stadsdeel, table.c.place,
                   func.count().label("n")).group_by(
        table.c.kind, table.c.buurt, table.c.stadsdeel, table.c.place)
    if since is not None:
        if since.tzinfo is not None:
            since = since.astimezone(dt.timezone.utc).replace(tzinfo=None)
        query = query.where(table.c.at >= since)
    if month:
        query = query.where(table.c.month == month)

    def rows(connection):
        return connection.execute(query).all()

    if isinstance(engine, Connection):
        found = rows(engine)
    else:
        with engine.connect() as connection:
            found = rows(connection)
    per_place: Dict[str, Dict[str, int]] = {}
    per_buurt: Dict[str, Dict[str, int]] = {}
    per_stadsdeel: Dict[str, Dict[str, int]] = {}
    per_kind: Dict[str, int] = {}
    total = 0
    for row in found:
        n = int(row.n)
        total += n
        per_kind[row.kind] = per_kind.get(row.kind, 0) + n
        _add(per_buurt, row.buurt or UNKNOWN, row.kind, n)
        _add(per_stadsdeel, row.stadsdeel or UNKNOWN, row.kind, n)
        if row.place:
            _add(per_place, row.place, row.kind, n)
    return {"per_place": per_place, "per_buurt": per_buurt, "per_stadsdeel": per_stadsdeel,
            "per_kind": per_kind, "total": total}


def _add(target: Dict[str, Dict[str, int]], key: str, kind: str, n: int) -> None:
    bucket = target.setdefault(key, {})
    bucket[kind] = bucket.get(kind, 0) + n


def totals(per: Mapping[str, Mapping[str, int]]) -> Dict[str, int]:
    """{key: total over kinds}, e.g. totals(gap_counts(e)["per_buurt"])."""
    return {key: sum(kinds.values()) for key, kinds in per.items()}
