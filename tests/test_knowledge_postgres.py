"""The knowledge base on PostgreSQL, and concurrent start-up of several processes."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from knowledge.importers import import_file
from tests.knowledge_helpers import dump

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"

OPEN_SNIPPET = (
    "import sys; from knowledge import open_knowledge; "
    "kb = open_knowledge(sys.argv[1]); print(len(kb.places(place_type='gemeenschapshuis')))"
)


def _open_concurrently(url: str, n: int = 3):
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_SNIPPET, url], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=False):
        assert proc.returncode == 0, err
        assert out.strip() == "18"


def test_concurrent_start_on_sqlite(tmp_path):
    _open_concurrently(f"sqlite:///{tmp_path / 'shared.db'}")


@pytest.fixture
def pg_url():
    try:
        import psycopg2

        admin = psycopg2.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="test", connect_timeout=3
        )
    except Exception as exc:  # server absent: skip cleanly
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    admin.autocommit = True
    name = f"kb_test_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        from knowledge.api import clear_cache

        clear_cache()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.postgres
def test_postgres_load_query_import(pg_url):
    from knowledge import open_knowledge

    _open_concurrently(pg_url)
    kb = open_knowledge(pg_url, refresh=True)
    assert len(kb.places(place_type="gemeenschapshuis")) == 18
    assert kb.resolve_buurt("Mariaberch").name == "Mariaberg"
    results = kb.find_places(buurt="Malberg", limit=10)
    assert results[0].in_buurt
    import_file(kb, ROOT / "knowledge" / "examples" / "hsds-services.json", demo=True)
    state = dump(kb)
    assert (
        import_file(kb, ROOT / "knowledge" / "examples" / "hsds-services.json", demo=True).counts.changed == 0
    )
    assert dump(kb) == state
