"""The checklist behind the print link (table pc_checklist, migration 0012_precheck).

Privacy by design: the volunteer's answers never go into a URL or a log line.
The link holds a random token (secrets.token_urlsafe, 128 bits); the database
keeps only its SHA-256, the pseudonymous resident key and the checklist, for
`Settings.checklist_days` days. Expired checklists are deleted on every save,
every read and by the service's retention run (bot/privacy.py); "verwijder mijn
gegevens" deletes a resident's checklists at once (actions/privacy_erase.py).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from knowledge.precheck import Precheck

metadata = sa.MetaData()  # listed in bot/schema.py; the table comes from migration 0012_precheck
checklists = sa.Table(
    "pc_checklist", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("resident_key", sa.String(80), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False, index=True),
    sa.Column("payload", sa.Text(), nullable=False),
)

TOKEN_BYTES = 16
PATH = "/checklist/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.utcnow()


class ChecklistStore:
    def __init__(self, engine: Engine, days: int = 7):
        self.engine = engine
        self.days = days

    def save(self, resident_key: str, result: Precheck, now: Optional[datetime] = None) -> str:
        """Keep the checklist; the token for its link (shown once, never stored)."""
        now = now or _now()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self.engine.begin() as conn:
            conn.execute(checklists.delete().where(checklists.c.expires_at <= now))
            conn.execute(checklists.insert().values(
                token_hash=_hash(token), resident_key=resident_key, created_at=now,
                expires_at=now + timedelta(days=self.days),
                payload=json.dumps(result.to_dict(), ensure_ascii=False)))
        return token

    def load(self, token: str, now: Optional[datetime] = None) -> Optional[Precheck]:
        """The checklist for a link, or None (unknown, expired or erased)."""
        now = now or _now()
        if not token or len(token) > 64:
            return None
        with self.engine.begin() as conn:
            conn.execute(checklists.delete().where(checklists.c.expires_at <= now))
            row = conn.execute(sa.select(checklists.c.payload).where(
                checklists.c.token_hash == _hash(token))).first()
        return Precheck.from_dict(json.loads(row[0])) if row else None

    def purge(self, now: Optional[datetime] = None) -> int:
        """Delete every expired checklist; how many (the retention run, naive UTC)."""
        with self.engine.begin() as conn:
            return conn.execute(checklists.delete().where(
                checklists.c.expires_at <= (now or _now()))).rowcount or 0

    def forget(self, resident_key: str) -> int:
        """Delete every checklist of a resident; how many."""
        with self.engine.begin() as conn:
            return conn.execute(checklists.delete().where(
                checklists.c.resident_key == resident_key)).rowcount or 0

    def count(self, resident_key: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(checklists).where(
                checklists.c.resident_key == resident_key)).scalar() or 0


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{PATH}{token}"
