"""Helpers for tests of the knowledge base (used by tests/test_knowledge_*.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from sqlalchemy import select

from knowledge import models as m

FIXED_NOW_ISO = "2026-11-25T15:00:00"  # a Wednesday afternoon


def fresh_kb(tmp_path: Path, include_demo: bool = True, data_dir: Optional[Path] = None, name: str = "kb.db"):
    """A KnowledgeBase on a new SQLite file under tmp_path."""
    from knowledge.api import open_knowledge

    return open_knowledge(f"sqlite:///{tmp_path / name}", data_dir, include_demo=include_demo, refresh=True)


def dump(kb) -> Dict[str, List[tuple]]:
    """Every row of every knowledge table (sorted), to compare database states."""
    out = {}
    with kb.engine.connect() as conn:
        for model in (m.Buurt, m.Alias, m.Neighbour, m.Postcode, m.Organization, m.Location, m.Service,
                      m.Schedule, m.Contact, m.Plan, m.ImportLog):
            table = model.__table__
            cols = [c for c in table.c if c.name != "id"]
            rows = conn.execute(select(*cols)).all()
            out[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out
