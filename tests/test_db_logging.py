"""No personal data in logs through database errors (issue 15, point 9).

Every engine the project builds has `hide_parameters=True`, including the one
Rasa's SQLTrackerStore builds for itself: a failing insert with a phone number
shows the SQL, never the values.
"""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError

from bot.rasa_compat import hide_parameters_in_rasa_tracker_store
from ontmoet_core.db import make_engine
from tests.postgres import throwaway_postgres

PHONE = "0612345678"


def _failing_insert_logs(url: str, caplog) -> str:
    engine = make_engine(url)
    try:
        table = Table("contact", MetaData(), Column("id", Integer, primary_key=True),
                      Column("phone", String(40)))
        table.metadata.create_all(engine)
        log = logging.getLogger("bot.test")
        with caplog.at_level(logging.DEBUG):
            with engine.begin() as conn:
                conn.execute(insert(table).values(id=1, phone=PHONE))
            with pytest.raises(IntegrityError) as raised:
                with engine.begin() as conn:
                    conn.execute(insert(table).values(id=1, phone=PHONE))
            log.exception("insert failed: %s", raised.value)
            log.error("insert failed", exc_info=raised.value)
        return caplog.text + str(raised.value) + repr(raised.value)
    finally:
        engine.dispose()


def test_a_failing_insert_on_sqlite_logs_no_phone_number(tmp_path, caplog):
    logged = _failing_insert_logs(f"sqlite:///{tmp_path / 'x.db'}", caplog)
    assert "UNIQUE constraint failed" in logged  # the error itself is there
    assert PHONE not in logged
    assert "hidden" in logged


def test_a_failing_insert_on_postgresql_logs_no_phone_number(caplog):
    with throwaway_postgres("ontmoet_logs") as url:
        logged = _failing_insert_logs(url, caplog)
    assert "duplicate key" in logged
    assert PHONE not in logged
    assert "parameters hidden" in logged


def test_rasa_tracker_store_engine_hides_parameters(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    hide_parameters_in_rasa_tracker_store()
    hide_parameters_in_rasa_tracker_store()  # idempotent
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    try:
        assert store.engine.hide_parameters is True
    finally:
        store.engine.dispose()


def test_every_project_engine_hides_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'y.db'}")
    assert engine.hide_parameters is True
    engine.dispose()
    engine = make_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    assert engine.hide_parameters is True
    engine.dispose()
