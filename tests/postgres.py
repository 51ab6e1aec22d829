"""A throwaway PostgreSQL database for the tests and benchmarks."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

LOCAL_POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@contextmanager
def throwaway_postgres(prefix: str, admin_url: str = LOCAL_POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new empty PostgreSQL database (its URL), dropped afterwards; for the
    tests and benchmarks. Raises when the server cannot be reached."""
    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT", hide_parameters=True,
                          connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
