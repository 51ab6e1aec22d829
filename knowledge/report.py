"""What the knowledge base knows per place and per buurt, from which source, how old,
and what is missing (issue 16) -- for the municipality's data work.

    build_report(dataset, today=None, gap_counts=None) -> List[ReportRow]
    as_table(rows) / as_csv(rows)

`ontmoet knowledge report [--csv] [--kind place|buurt] [--missing]` prints it.
Reads the data files (knowledge/data) only: imports are reported by
`ontmoet knowledge list`. `gap_counts` is an optional mapping (place key, place
name or buurt name -> number of questions the knowledge base could not answer
there); when given, each row gets a column `gaps`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from knowledge.records import Dataset
from knowledge.textnorm import normalize

# what a resident asks about a place; "missing" lists these when unknown
PLACE_FIELDS = ("address", "opening_hours", "accessibility", "activities", "phone", "website")
# what the assistant uses of a buurt
BUURT_FIELDS = ("point", "postcodes", "stadsdeel", "wijk", "buurtnummer")
COLUMNS = ("kind", "key", "name", "buurt", "known", "missing", "sources", "read", "age_days")


@dataclass(frozen=True)
class ReportRow:
    kind: str  # "place" | "buurt"
    key: str
    name: str
    buurt: str  # the place's buurt, or the buurt's stadsdeel for a buurt row
    known: Tuple[str, ...]  # field (source kind), e.g. "address (page)", "point (estimate)"
    missing: Tuple[str, ...]  # fields nobody has a source for
    sources: Tuple[str, ...]  # every distinct source behind the row
    read: Optional[date]  # oldest date a public page behind the row was read; None: no dated page
    age_days: Optional[int]
    gaps: Optional[int] = None  # questions not answered here (from gap_counts), when given

    def as_dict(self, with_gaps: bool) -> Dict[str, str]:
        values = {
            "kind": self.kind, "key": self.key, "name": self.name, "buurt": self.buurt,
            "known": "; ".join(self.known), "missing": "; ".join(self.missing),
            "sources": " | ".join(self.sources),
            "read": self.read.isoformat() if self.read else "",
            "age_days": "" if self.age_days is None else str(self.age_days),
        }
        if with_gaps:
            values["gaps"] = "" if self.gaps is None else str(self.gaps)
        return values


def _gap_lookup(gap_counts: Optional[Mapping[str, int]]):
    if gap_counts is None:
        return None
    table = {normalize(str(k)): int(v) for k, v in gap_counts.items()}

    def lookup(*names: str) -> int:
        return next((table[normalize(n)] for n in names if n and normalize(n) in table), 0)
    return lookup


_DATED_PAGE = re.compile(r"https?://\S+ \(read \d{4}-\d{2}-\d{2}\)")


def _age(read: Optional[date], today: date) -> Optional[int]:
    return (today - read).days if read else None


def place_rows(dataset: Dataset, today: date, gaps=None) -> List[ReportRow]:
    activity_places = {a.place_key for a in dataset.seed.activities}
    sources_by_place = getattr(dataset, "place_sources", {}) or {}
    rows = []
    for place in sorted(dataset.seed.places, key=lambda p: p.name):
        page = sources_by_place.get(place.key)
        paged = set(page.values) if page else set()
        values = {
            "address": place.address, "opening_hours": place.opening_hours,
            "accessibility": place.accessibility, "activities": place.key in activity_places or None,
            "phone": place.phone, "website": place.url,
        }
        page_field = {"website": "website"}
        known, missing = [], []
        for field_name in PLACE_FIELDS:
            if values[field_name]:
                origin = "page" if page_field.get(field_name, field_name) in paged else "data file"
                known.append(f"{field_name} ({origin})")
            else:
                missing.append(field_name)
        sources = [place.source]
        if page:
            sources.append(page.label)
        buurt = dataset.buurt_by_key.get(place.buurt_key) if place.buurt_key else None
        rows.append(ReportRow(
            kind="place", key=place.key, name=place.name, buurt=buurt.name if buurt else "",
            known=tuple(known), missing=tuple(missing), sources=tuple(sources),
            read=page.read if page else None, age_days=_age(page.read if page else None, today),
            gaps=gaps(place.key, place.name) if gaps else None,
        ))
    return rows


def buurt_rows(dataset: Dataset, today: date, gaps=None) -> List[ReportRow]:
    pages = getattr(dataset, "buurt_sources", {}) or {}
    postcode_sources: Dict[str, List[str]] = {}
    for _postcode, key, source, _verified in dataset.postcodes:
        postcode_sources.setdefault(key, []).append(source)
    rows = []
    for buurt in sorted(dataset.buurten, key=lambda b: b.name):
        page = pages.get(buurt.key)
        values = page.values if page else {}
        known, missing, sources = [], [], []
        centroid = buurt.centroid_source or ""
        if (page and "point" in values) or _DATED_PAGE.search(centroid):
            # sources.yml, or a page with its address and date named in geo.yml
            known.append("point (page)")
        elif centroid.startswith("project"):
            missing.append("point (estimate only)")
        elif buurt.lat is not None:
            known.append("point (source without date)")
        else:
            missing.append("point")
        if centroid:
            sources.append(centroid)
        codes = postcode_sources.get(buurt.key, [])
        if page and "postcodes" in values:
            known.append("postcodes (page)")
        elif codes and all(s.startswith("project") for s in codes):
            missing.append("postcodes (estimate only)")
        elif codes:
            known.append("postcodes (source without date)")
        else:
            missing.append("postcodes")
        sources.extend(s for s in dict.fromkeys(codes) if s not in sources)
        if buurt.stadsdeel_source.startswith("seed"):
            known.append("stadsdeel (plan)")
        elif buurt.stadsdeel_source.startswith("page:"):
            known.append("stadsdeel (page)")
        else:
            missing.append("stadsdeel (assigned by the project)")
        sources.append(f"stadsdeel: {buurt.stadsdeel_source}")
        for field_name in ("wijk", "buurtnummer"):
            (known if field_name in values else missing).append(
                f"{field_name} (page)" if field_name in values else field_name)
        if page and page.label not in sources:
            sources.insert(0, page.label)
        rows.append(ReportRow(
            kind="buurt", key=buurt.key, name=buurt.name, buurt=buurt.stadsdeel,
            known=tuple(known), missing=tuple(missing), sources=tuple(dict.fromkeys(sources)),
            read=page.read if page else None, age_days=_age(page.read if page else None, today),
            gaps=gaps(buurt.name, buurt.key) if gaps else None,
        ))
    return rows


def build_report(dataset: Dataset, today: Optional[date] = None,
                 gap_counts: Optional[Mapping[str, int]] = None,
                 kinds: Sequence[str] = ("place", "buurt")) -> List[ReportRow]:
    """Rows for every place (places.yml) and every buurt (buurten.yml)."""
    today = today or date.today()
    gaps = _gap_lookup(gap_counts)
    rows: List[ReportRow] = []
    if "place" in kinds:
        rows += place_rows(dataset, today, gaps)
    if "buurt" in kinds:
        rows += buurt_rows(dataset, today, gaps)
    return rows


def _with_gaps(rows: Iterable[ReportRow]) -> bool:
    return any(r.gaps is not None for r in rows)


def as_csv(rows: List[ReportRow]) -> str:
    """CSV (comma separated, UTF-8, one header line) for spreadsheets."""
    columns = list(COLUMNS) + (["gaps"] if _with_gaps(rows) else [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_dict(_with_gaps(rows)))
    return out.getvalue()


def as_table(rows: List[ReportRow]) -> str:
    """A plain-text table for the terminal (sources are in the CSV)."""
    from tabulate import tabulate

    with_gaps = _with_gaps(rows)
    headers = ["kind", "name", "buurt", "known", "missing", "read", "age (days)"] + (
        ["gaps"] if with_gaps else []
    )
    body = []
    for row in rows:
        line = [row.kind, row.name, row.buurt, ", ".join(row.known) or "-", ", ".join(row.missing) or "-",
                row.read.isoformat() if row.read else "-", "-" if row.age_days is None else row.age_days]
        if with_gaps:
            line.append("" if row.gaps is None else row.gaps)
        body.append(line)
    return tabulate(
        body, headers=headers, tablefmt="simple", maxcolwidths=[None, 28, 16, 40, 40, None, None, None]
    )


def summary(rows: List[ReportRow]) -> str:
    places = [r for r in rows if r.kind == "place"]
    buurten = [r for r in rows if r.kind == "buurt"]
    return (
        f"{sum(1 for r in places if 'address' not in r.missing)}/{len(places)} places with an address; "
        f"{sum(1 for r in places if r.read)}/{len(places)} with a dated public page; "
        f"{sum(1 for r in buurten if 'point (page)' in r.known)}/{len(buurten)} "
        "buurten with a sourced point; "
        f"{sum(1 for r in buurten if 'postcodes (page)' in r.known)}/{len(buurten)} with sourced postcodes"
    )
