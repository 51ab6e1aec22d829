"""The Alembic chain: one head, and down and up again on a fresh SQLite."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from ontmoet_core.db import alembic_config, current_revision, upgrade_database


def test_one_head_and_a_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    assert ScriptDirectory.from_config(config).get_heads() == ["0012_precheck"]
    upgrade_database(url)
    command.downgrade(config, "0011_visit")  # the checklists table goes
    engine_pc = sa.create_engine(url)
    try:
        assert not sa.inspect(engine_pc).has_table("pc_checklist")
    finally:
        engine_pc.dispose()
    command.downgrade(config, "0010_reminders")  # the visit columns go
    engine_visit = sa.create_engine(url)
    try:
        columns = {c["name"] for c in sa.inspect(engine_visit).get_columns("ho_request")}
        assert "visit_status" not in columns and "reason" in columns
    finally:
        engine_visit.dispose()
    command.downgrade(config, "0009_delivery")  # the reminders table goes
    engine0 = sa.create_engine(url)
    try:
        assert not sa.inspect(engine0).has_table("rm_reminder")
    finally:
        engine0.dispose()
    command.downgrade(config, "0008_staff_outbox")  # the delivery columns go
    engine = sa.create_engine(url)
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("ho_note")}
        assert "pending_delivery" in columns and "delivery" not in columns
        command.downgrade(config, "base")
        assert current_revision(url) is None
        upgrade_database(url)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("ho_note")}
        assert {"pending_delivery", "delivery", "delivered_at"} <= columns
        assert sa.inspect(engine).has_table("rm_reminder")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("ho_request")}
        assert {"visit_status", "visit_place", "visit_moment", "visit_start"} <= columns
        assert sa.inspect(engine).has_table("pc_checklist")
        assert current_revision(url) == "0012_precheck"
    finally:
        engine.dispose()
