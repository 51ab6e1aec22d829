"""Opt-in reminders, the plain logic (issue 18 point 1), on a controlled clock.

* stored with consent, listed, stopped (all or one), erased with the resident's
  data, purged a day after their moment;
* sent once at their moment, never before, never twice, not after the moment;
* kept across restarts (new store, runtime and directory on the same database);
* two runtimes on one database (two replicas) send each reminder once, on
  SQLite and PostgreSQL;
* the day before at 10:00 in Maastricht, also across the change to winter time.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from bot.channels.live import Outbox, register_outbox
from bot.channels.stores import ResidentAddress, ResidentDirectory
from bot.reminders.activity import find_occurrence, parse_token, pick_token, plan_activity
from bot.reminders.models import (
    ACTIVITY_DAY,
    ACTIVITY_HOUR,
    DELIVERED,
    FAILED,
    MISSED,
    SCHEDULED,
    STOPPED,
    VISIT,
    WAITING,
)
from bot.reminders.runtime import ReminderRuntime
from bot.reminders.store import ReminderStore
from bot.reminders.texts import render
from knowledge.when import TZ
from ontmoet_core.config import load_settings
from ontmoet_core.db import make_engine
from tests.test_handoff_support import Clock, _sqlite_template, sqlite_url  # noqa: F401

RESIDENT = "pseudo-resident-1"
OTHER = "pseudo-resident-2"
CHAT = "555001"
START = datetime(2026, 3, 2, 9, 0)  # naive UTC, the Clock's start
EVENT = START + timedelta(days=2)


class Sent:
    """A channel sender that records what it sent."""

    def __init__(self, result=True):
        self.messages = []
        self.result = result

    async def __call__(self, pseudonym, address, text):
        self.messages.append((pseudonym, address.address, text))
        return self.result


def directory_with(telegram: Sent) -> ResidentDirectory:
    directory = ResidentDirectory()
    directory.register_sender("telegram", telegram)
    return directory


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def store(sqlite_url, clock):  # noqa: F811
    engine = make_engine(sqlite_url)
    yield ReminderStore(engine, clock=clock)
    engine.dispose()


def settings():
    return load_settings({"ONTMOET_PSEUDONYM_KEY": "k"})


def runtime_for(store, directory, clock):
    return ReminderRuntime(settings(), store=store, directory=directory, clock=clock)


def schedule_visit(store, resident=RESIDENT, when=None, event=EVENT, **kwargs):
    return store.schedule(resident, kwargs.pop("channel", "telegram"),
                          when or event - timedelta(hours=1), "reminder_visit",
                          {"moment": "woensdag om 11:00 bij het buurthuis"}, kind=VISIT,
                          event_at=event, address=kwargs.pop("address", CHAT), **kwargs)


# -- the store -----------------------------------------------------------------------
def test_listed_stopped_and_erased_per_resident(store, clock):
    first = schedule_visit(store)
    second = schedule_visit(store, when=EVENT - timedelta(days=1))
    schedule_visit(store, resident=OTHER)
    assert [v.id for v in store.upcoming(RESIDENT)] == [second.id, first.id]
    assert first.state == SCHEDULED and first.params["moment"].startswith("woensdag")
    assert store.stop(RESIDENT, ids=[first.id]) == 1
    assert [v.id for v in store.upcoming(RESIDENT)] == [second.id]
    assert store.get(first.id).state == STOPPED
    assert store.stop(RESIDENT) == 1
    assert store.upcoming(RESIDENT) == []
    assert len(store.upcoming(OTHER)) == 1  # another resident keeps theirs
    assert store.erase_resident(RESIDENT) == 2
    assert store.for_resident(RESIDENT) == []
    assert len(store.for_resident(OTHER)) == 1


def test_asking_twice_for_the_same_moment_stores_one_reminder(store, clock):
    def ask(resident=RESIDENT):
        return store.schedule(resident, "telegram", EVENT - timedelta(days=1), "reminder_visit",
                              {"moment": "x"}, kind=VISIT, event_at=EVENT, subject="act-1")

    first = ask()
    assert ask().id == first.id and len(store.for_resident(RESIDENT)) == 1
    assert ask(OTHER).id != first.id
    store.stop(RESIDENT)
    assert ask().id != first.id  # stopped, then asked again: a new one


def test_the_web_chat_keeps_no_address_and_the_purge_follows_the_moment(store, clock):
    web = schedule_visit(store, channel="webchat", address="should-not-be-kept")
    assert web.address is None
    schedule_visit(store, resident=OTHER)
    clock.advance(days=2, hours=23)  # EVENT + 23h
    assert store.purge() == 0
    clock.advance(hours=2)
    assert store.purge() == 2


# -- sending on a controlled clock -------------------------------------------------------
async def test_sent_once_at_its_moment_and_not_before(store, clock):
    telegram = Sent()
    reminders = runtime_for(store, directory_with(telegram), clock)
    view = schedule_visit(store)
    clock.advance(days=1, hours=22, minutes=59)  # one minute before the moment
    assert await reminders.send_due_once() == 0
    assert telegram.messages == []
    clock.advance(minutes=1)
    assert await reminders.send_due_once() == 1
    ((pseudonym, address, text),) = telegram.messages
    assert (pseudonym, address) == (RESIDENT, CHAT)
    assert text.startswith("Herinnering: u heeft een afspraak, woensdag om 11:00")
    assert "stop herinneringen" in text
    clock.advance(minutes=5)
    assert await reminders.send_due_once() == 0  # never twice
    assert len(telegram.messages) == 1
    assert store.get(view.id).state == DELIVERED


async def test_a_stopped_reminder_is_not_sent(store, clock):
    telegram = Sent()
    reminders = runtime_for(store, directory_with(telegram), clock)
    schedule_visit(store)
    store.stop(RESIDENT)
    clock.advance(days=3)
    assert await reminders.send_due_once() == 0 and telegram.messages == []


async def test_too_late_is_missed_not_sent(store, clock):
    telegram = Sent()
    reminders = runtime_for(store, directory_with(telegram), clock)
    view = schedule_visit(store)
    clock.advance(days=2, minutes=1)  # no service ran until after the moment
    assert await reminders.send_due_once() == 0
    assert telegram.messages == [] and store.get(view.id).state == MISSED


async def test_a_failed_send_says_so(store, clock):
    reminders = runtime_for(store, directory_with(Sent(result=False)), clock)
    view = schedule_visit(store)
    clock.advance(days=2, minutes=-30)
    assert await reminders.send_due_once() == 0
    assert store.get(view.id).state == FAILED


async def test_kept_across_a_restart(sqlite_url, clock):  # noqa: F811
    engine = make_engine(sqlite_url)
    view = schedule_visit(ReminderStore(engine, clock=clock), address=None)
    first = directory_with(Sent())  # the service knew the chat address
    await first.remember(RESIDENT, ResidentAddress("telegram", CHAT))
    assert await runtime_for(ReminderStore(engine, clock=clock), first, clock).keep_addresses() == 1
    engine.dispose()
    # -- restart: new engine, store, runtime and an empty directory ------------------
    engine = make_engine(sqlite_url)
    telegram = Sent()
    reminders = runtime_for(ReminderStore(engine, clock=clock), directory_with(telegram), clock)
    clock.advance(days=2, minutes=-60)
    assert await reminders.send_due_once() == 1
    assert [(p, a) for p, a, _ in telegram.messages] == [(RESIDENT, CHAT)]
    assert ReminderStore(engine).get(view.id).state == DELIVERED
    engine.dispose()


async def test_the_web_chat_inbox_gets_it_after_a_restart_and_knows_when_it_was_read(store, clock):
    outbox = Outbox()
    directory = ResidentDirectory()  # a fresh process: nobody's address known
    register_outbox(directory, outbox)
    view = schedule_visit(store, channel="webchat")
    clock.advance(days=2, minutes=-60)
    assert await runtime_for(store, directory, clock).send_due_once() == 1
    assert store.get(view.id).state == WAITING
    ((text, origin),) = outbox.take_messages(RESIDENT)  # the page fetches its inbox
    assert text.startswith("Herinnering:")
    assert origin == "assistent"  # shown as the assistant's, not an opbouwwerker's
    await asyncio.sleep(0.2)  # the receipt writes in a worker thread
    for _ in range(50):
        if store.get(view.id).state == DELIVERED:
            break
        await asyncio.sleep(0.05)
    assert store.get(view.id).state == DELIVERED


# -- two replicas on one database -----------------------------------------------------
async def _two_replicas_send_once(url, clock):
    engines = [make_engine(url), make_engine(url)]
    try:
        stores = [ReminderStore(e, clock=clock) for e in engines]
        for n in range(6):
            schedule_visit(stores[0], resident=f"resident-{n}")
        telegrams = [Sent(), Sent()]
        replicas = []
        for store, telegram in zip(stores, telegrams, strict=True):
            directory = directory_with(telegram)
            for n in range(6):
                await directory.remember(f"resident-{n}", ResidentAddress("telegram", CHAT))
            replicas.append(runtime_for(store, directory, clock))
        clock.advance(days=2, minutes=-30)
        counts = await asyncio.gather(*(r.send_due_once() for _ in range(3) for r in replicas))
        assert sum(counts) == 6
        sent = sorted(p for t in telegrams for p, _, _ in t.messages)
        assert sent == [f"resident-{n}" for n in range(6)]  # each once, whoever sent it
    finally:
        for engine in engines:
            engine.dispose()


async def test_two_replicas_on_sqlite_send_each_reminder_once(sqlite_url, clock):  # noqa: F811
    await _two_replicas_send_once(sqlite_url, clock)


async def test_two_replicas_on_postgresql_send_each_reminder_once(clock):
    from ontmoet_core.db import upgrade_database
    from tests.postgres import throwaway_postgres

    with throwaway_postgres("ontmoet_reminders") as url:
        upgrade_database(url)
        await _two_replicas_send_once(url, clock)


def test_a_claim_is_taken_by_one_caller_only(store, clock):
    schedule_visit(store)
    clock.advance(days=2, minutes=-30)
    assert len(store.take_due()) == 1
    assert store.take_due() == []  # taken: the other replica gets nothing
    clock.advance(minutes=6)  # the taker stopped before it finished: taken again once
    assert len(store.take_due()) == 1
    assert store.take_due() == []


# -- activities: which moments, which records -------------------------------------------
def _occurrence(start, demo=False, key="act-1"):
    return SimpleNamespace(activity_key=key, title="Koffieochtend", start=start, is_demo=demo)


def test_the_day_before_at_ten_and_an_hour_before_in_maastricht_time():
    start = datetime(2026, 10, 26, 14, 0, tzinfo=TZ)  # the Monday after winter time began
    now = datetime(2026, 10, 20, 9, 0, tzinfo=timezone.utc)
    plan = plan_activity(_occurrence(start), now, hour_before=True, place="Buurthuis")
    assert [(kind, due.astimezone(timezone.utc).replace(tzinfo=None)) for kind, due, _ in plan] == [
        (ACTIVITY_DAY, datetime(2026, 10, 25, 9, 0)),  # 10:00 CET (winter time)
        (ACTIVITY_HOUR, datetime(2026, 10, 26, 12, 0)),  # 13:00 CET
    ]
    summer = plan_activity(_occurrence(datetime(2026, 10, 24, 14, 0, tzinfo=TZ)), now,
                           hour_before=False, place="Buurthuis")
    assert [due.astimezone(timezone.utc).hour for _, due, _ in summer] == [8]  # 10:00 CEST
    params = plan[0][2]
    assert (params["day"], params["date"], params["time"]) == ("maandag", "26-10", "14:00")


def test_a_moment_already_passed_is_left_out():
    start = datetime(2026, 10, 26, 14, 0, tzinfo=TZ)
    now = datetime(2026, 10, 26, 8, 0, tzinfo=timezone.utc)  # the day itself, 09:00
    assert [k for k, _, _ in plan_activity(_occurrence(start), now, True, "Buurthuis")] == [
        ACTIVITY_HOUR]


def test_a_demo_activity_is_said_to_be_demo_in_the_reminder():
    start = datetime(2026, 10, 26, 14, 0, tzinfo=TZ)
    now = datetime(2026, 10, 20, 9, 0, tzinfo=timezone.utc)
    (_, _, params), = plan_activity(_occurrence(start, demo=True), now, False, "Buurthuis")
    text = render("reminder_activity_day", params)
    assert text.startswith("Herinnering: morgen, maandag 26-10, is om 14:00 Koffieochtend")
    assert "voorbeeld" in text and "bestaat niet echt" in text
    real = plan_activity(_occurrence(start), now, False, "Buurthuis")[0][2]
    assert "voorbeeld" not in render("reminder_activity_day", real)


def test_only_a_real_record_with_that_start_gets_a_reminder():
    start = datetime(2026, 10, 26, 14, 0, tzinfo=TZ)
    token = pick_token(_occurrence(start))
    assert token == "act-1@20261026T1400" and parse_token(token) == ("act-1", start)

    class Kb:
        def activities(self, begin, end):
            return [o for o in [_occurrence(start)] if begin <= o.start < end]

    assert find_occurrence(Kb(), token).activity_key == "act-1"
    assert find_occurrence(Kb(), "act-2@20261026T1400") is None  # no such record
    assert find_occurrence(Kb(), "act-1@20261026T1500") is None  # no occurrence then
    assert find_occurrence(Kb(), "nonsense") is None


def test_the_retention_purge_removes_reminders_a_day_after_their_moment(sqlite_url, tmp_path):  # noqa: F811
    from bot.privacy import run_retention

    engine = make_engine(sqlite_url)
    store = ReminderStore(engine)
    old = schedule_visit(store, event=datetime(2026, 3, 1, 12, 0))
    coming = schedule_visit(store, resident=OTHER, event=datetime(2026, 3, 5, 12, 0))
    config = load_settings({"ONTMOET_DATABASE_URL": sqlite_url, "ONTMOET_VAR_DIR": str(tmp_path),
                            "ONTMOET_TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}"})
    run_retention(config, now=datetime(2026, 3, 2, 13, 0, tzinfo=timezone.utc))
    assert store.get(old.id) is None
    assert store.get(coming.id) is not None
    engine.dispose()
