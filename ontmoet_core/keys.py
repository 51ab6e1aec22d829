"""Secrets that fail fast (issue 15, point 8).

In production (`ONTMOET_ENV=production`) the service and the action server
refuse to start with a missing, short or placeholder secret: the pseudonym key
(residents' ids are keyed hashes of it) and the action-server secret.

One pseudonym key for all replicas: a replica with another key would give the
same resident another pseudonym (another conversation, their requests and
"verwijder mijn gegevens" out of reach). `check_same_pseudonym_key` stores a
fingerprint of the key (an HMAC of a fixed text, from which the key cannot be
recovered) in the shared database on first start; a replica whose key gives
another fingerprint refuses to start.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, MetaData, String, Table, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from ontmoet_core.db import make_engine

logger = logging.getLogger(__name__)

MIN_SECRET_CHARS = 32
# Parts of values that are examples, not secrets (ontmoet.env.example, tests, docs).
_PLACEHOLDERS = re.compile(
    r"change[_-]?me|changeme|placeholder|example|voorbeeld|not[_-]?secret|secret[_-]?here|"
    r"test[_-]?key|dummy|xxxx|todo|vervang|geheim",
    re.IGNORECASE,
)

metadata = MetaData()
meta_table = Table(
    "ontmoet_meta", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
)
PSEUDONYM_FINGERPRINT_KEY = "pseudonym_key_fingerprint"


class SecretError(SystemExit):
    """A secret is missing or too weak for production; the process stops."""


def secret_problem(value: str) -> str:
    """Why `value` is not a production secret ('' when it is fine)."""
    if not value:
        return "missing"
    if len(value) < MIN_SECRET_CHARS:
        return f"shorter than {MIN_SECRET_CHARS} characters"
    if _PLACEHOLDERS.search(value):
        return "a placeholder from an example"
    if len(set(value)) < 8:
        return "too little variation"
    return ""


def check_secret(name: str, value: str, production: bool) -> None:
    """Raise SecretError in production when `value` is not a real secret."""
    if not production:
        return
    problem = secret_problem(value)
    if problem:
        # The name only: the value itself never reaches a log.
        raise SecretError(f"{name} is {problem}: production refuses to start. "
                          f"Generate one with `openssl rand -hex 32` (docs/SECURITY.md).")


def fingerprint(key: bytes) -> str:
    return hmac.new(key, b"ontmoet pseudonym key check", hashlib.sha256).hexdigest()[:32]


def check_same_pseudonym_key(engine, key: bytes) -> str:
    """Record this key's fingerprint, or compare it with the recorded one.

    Returns "recorded" or "same"; raises SecretError when another replica (or
    an earlier run) used another key with this database."""
    mine = fingerprint(key)
    with engine.begin() as connection:
        stored = connection.execute(
            select(meta_table.c.value).where(meta_table.c.key == PSEUDONYM_FINGERPRINT_KEY)
        ).scalar()
    if stored is None:
        try:
            with engine.begin() as connection:
                connection.execute(insert(meta_table).values(
                    key=PSEUDONYM_FINGERPRINT_KEY, value=mine,
                    created_at=datetime.now(timezone.utc).replace(tzinfo=None)))
            return "recorded"
        except IntegrityError:  # another replica recorded it at the same moment
            return check_same_pseudonym_key(engine, key)
    if not hmac.compare_digest(stored, mine):
        raise SecretError(
            "ONTMOET_PSEUDONYM_KEY differs from the key this database was used with: every "
            "replica needs the same key (docs/SECURITY.md). Refusing to start.")
    return "same"


def check_settings(settings) -> str:
    """Everything the service checks before it starts (fail fast)."""
    key = settings.pseudonym_key_bytes()
    settings.action_server_secret_value()
    engine = make_engine(settings.database_url_resolved)
    try:
        if not inspect(engine).has_table(meta_table.name):
            if settings.production:
                raise SecretError("the database is not migrated: run `ontmoet init` first")
            logger.warning("pseudonym key not checked: run `ontmoet init` (no ontmoet_meta table)")
            return "unchecked"
        result = check_same_pseudonym_key(engine, key)
    finally:
        engine.dispose()
    logger.info("pseudonym key: %s", result)
    return result
