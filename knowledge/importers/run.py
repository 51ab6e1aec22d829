"""Import one file: detect its kind, parse it with its importer, write it (all or nothing)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

from knowledge.importers.common import ImportResult, detect_kind, write_bundle
from knowledge.importers.hsds import parse_hsds
from knowledge.importers.ical import parse_ics
from knowledge.importers.template import parse_template
from knowledge.records import KnowledgeError

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.api import KnowledgeBase


def import_file(kb: "KnowledgeBase", path, kind: Optional[str] = None, place: Optional[str] = None,
                verified: bool = False, demo: bool = False) -> ImportResult:
    """Validate and import one file (all or nothing). Raises KnowledgeError on a bad file.

    `verified`: the file comes from a checked source (records get verified=True).
    `demo`: the file is example data (records get is_demo=True and are hidden
    when demo data is off).
    """
    path = Path(path)
    if not path.exists():
        raise KnowledgeError([f"{path}: file not found"])
    kind = kind or detect_kind(path)
    warnings: List[str] = []
    if kind == "ics":
        bundle = parse_ics(kb, path, place=place, warnings=warnings)
    elif kind == "template":
        bundle = parse_template(kb, path, warnings=warnings)
    elif kind in ("hsds-json", "hsds-csv"):
        bundle = parse_hsds(kb, path, kind, warnings=warnings)
    else:
        raise KnowledgeError([f"{path.name}: unknown import kind '{kind}'"])
    records: List[Any] = [*bundle.organizations, *bundle.places, *bundle.activities, *bundle.contacts]
    for record in records:
        if verified and not demo:
            record.verified = True
        if demo:
            record.is_demo = True
            record.verified = False
    counts = write_bundle(kb, bundle, path, kind)
    return ImportResult(file=path.name, kind=kind, origin=f"import:{path.name}", records=bundle.count(),
                        counts=counts, warnings=warnings)
