"""The Alembic chain: one head, and down and up again on a fresh SQLite."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from ontmoet_core.db import alembic_config, current_revision, upgrade_database


def test_one_head_and_a_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    config = alembic_config(url)
    assert ScriptDirectory.from_config(config).get_heads() == ["0010_reminders"]
    upgrade_database(url)
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
        assert current_revision(url) == "0010_reminders"
    finally:
        engine.dispose()
