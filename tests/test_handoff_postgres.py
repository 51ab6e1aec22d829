"""The same queue code and migrations on PostgreSQL (127.0.0.1:5432, throwaway database)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect

from bot.handoff.queue import HandoffQueue
from bot.handoff.routing import StaffMember
from ontmoet_core.db import current_revision, make_engine
from tests.test_handoff_support import WEST, new_request, postgres_url  # noqa: F401

pytestmark = pytest.mark.postgres


def test_migrations_create_the_handoff_tables(postgres_url):
    assert current_revision(postgres_url) is not None
    engine = make_engine(postgres_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"ho_request", "ho_note", "ho_event", "ho_staff_account", "ho_staff_session",
            "ho_login_attempt"} <= tables


def test_eight_concurrent_claims_have_exactly_one_winner_postgres(postgres_url):
    setup = HandoffQueue(make_engine(postgres_url))
    ref = new_request(setup, resident_key="pg-concurrent").reference
    claimers = [StaffMember(f"pg-{i}", f"PG {i}", stadsdelen=("West",)) for i in range(8)]
    barrier = threading.Barrier(len(claimers))
    results = [None] * len(claimers)
    errors = []

    def claim(i):
        engine = make_engine(postgres_url)  # its own connection pool per claimer
        try:
            q = HandoffQueue(engine)
            barrier.wait()
            results[i] = q.claim(ref, claimers[i])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(claimers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    winners = [r for r in results if r.won]
    assert len(winners) == 1
    assert {r.owner for r in results} == {winners[0].owner}
    assert setup.get(ref).assigned_to == winners[0].owner
    assert [e.action for e in setup.show(ref).events].count("claimed") == 1
    setup.engine.dispose()


def test_restart_loses_no_request_postgres(postgres_url):
    first = HandoffQueue(make_engine(postgres_url))
    refs = [new_request(first, resident_key=f"pg-restart-{i}").reference for i in range(3)]
    first.claim(refs[1], WEST)
    first.reply(refs[1], WEST, "Ik bel u vanmiddag.")
    first.engine.dispose()
    second = HandoffQueue(make_engine(postgres_url))
    try:
        stored = {v.reference: v for v in second.list()}
        assert set(refs) <= set(stored)
        assert stored[refs[1]].status == "in_contact"
        assert second.show(refs[1]).notes[0].text == "Ik bel u vanmiddag."
    finally:
        second.engine.dispose()


def test_privacy_erasure_postgres(postgres_url):
    queue = HandoffQueue(make_engine(postgres_url))
    try:
        ref = new_request(queue, resident_key="pg-erase").reference
        assert queue.delete_resident_data("pg-erase")["requests"] == 1
        assert queue.get(ref).resident_key is None
    finally:
        queue.engine.dispose()


def test_staff_accounts_and_sessions_postgres(postgres_url):
    from argon2 import PasswordHasher

    from bot.staff.accounts import StaffAccounts
    from tests.test_handoff_support import roster

    engine = make_engine(postgres_url)
    try:
        accounts = StaffAccounts(engine, roster,
                                 hasher=PasswordHasher(time_cost=1, memory_cost=1024))
        accounts.add("ow-west", "een-lang-wachtwoord", telegram_user_id=5_000_000_000)
        assert accounts.authenticate("ow-west", "fout-wachtwoord", "127.0.0.1") is None
        member = accounts.authenticate("ow-west", "een-lang-wachtwoord", "127.0.0.1")
        token, csrf = accounts.create_session(member.username)
        info = accounts.session(token)
        assert info.username == "ow-west" and info.csrf_token == csrf
        accounts.end_session(token)
        assert accounts.session(token) is None
    finally:
        engine.dispose()


def test_safety_columns_and_methods_on_postgres(postgres_url):
    """Issue 15 on PostgreSQL: pause/resume outbox, live expiry, crisis signals,
    maximum age of open requests."""
    from datetime import datetime, timedelta

    from tests.test_handoff_support import Clock

    clock = Clock(datetime(2026, 6, 1, 9, 0))
    queue = HandoffQueue(make_engine(postgres_url), clock=clock)
    try:
        view = new_request(queue, resident_key="pg-safety")
        queue.claim(view.reference, WEST)
        queue.set_in_contact(view.reference, WEST, live=True)
        pending = [v for v in queue.pending_assistant_syncs(limit=500)
                   if v.reference == view.reference]
        assert pending[0].assistant_sync == "pause"
        assert queue.assistant_sync_failed(view.reference, "pause") == 1
        assert queue.assistant_synced(view.reference, "pause")
        clock.advance(hours=3)
        expired = queue.expire_live(timedelta(hours=2))
        assert view.reference in [v.reference for v in expired]
        assert queue.get(view.reference).assistant_sync == "resume:expired"
        assert queue.flag_crisis("pg-safety") == [view.reference]
        assert view.reference in [v.reference for v in queue.take_crisis_signals(limit=500)]
        clock.advance(days=100)
        counts = queue.purge(open_older_than=timedelta(days=90))
        assert counts["expired_open"] >= 1
        assert queue.get(view.reference).anonymised_at is not None
    finally:
        queue.engine.dispose()
