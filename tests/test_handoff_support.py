"""Shared helpers for the handoff tests (no tests here).

`migrated_sqlite` migrates one SQLite file per test session and hands each test
a fresh copy (fast). `postgres_url` makes a throwaway database on
127.0.0.1:5432 for the session and drops it afterwards (skips when the server
is unreachable).
"""
from __future__ import annotations

import shutil
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.handoff.routing import StaffMember, parse_roster

ROSTER_DATA = {
    "demo": True,
    "opbouwwerkers": [
        {"username": "ow-west", "name": "Test West", "telegram_user_id": 1001,
         "werkgebied": {"stadsdelen": ["West"]}},
        {"username": "ow-west2", "name": "Test West Twee", "telegram_user_id": 1003,
         "werkgebied": {"stadsdelen": ["West"]}},
        {"username": "ow-noord", "name": "Test Noord", "telegram_user_id": 1002,
         "werkgebied": {"stadsdelen": ["Noord"], "buurten": ["Wyck"]}},
    ],
    "coordinators": [
        {"username": "coord", "name": "Test Coördinator", "telegram_user_id": 1009},
    ],
}


def roster():
    return parse_roster(ROSTER_DATA)


def write_roster(path: Path) -> Path:
    path.write_text(yaml.safe_dump(ROSTER_DATA, allow_unicode=True), encoding="utf-8")
    return path


WEST = StaffMember("ow-west", "Test West", stadsdelen=("West",), telegram_user_id=1001)
WEST2 = StaffMember("ow-west2", "Test West Twee", stadsdelen=("West",), telegram_user_id=1003)
NOORD = StaffMember("ow-noord", "Test Noord", stadsdelen=("Noord",), buurten=("Wyck",),
                    telegram_user_id=1002)
COORD = StaffMember("coord", "Test Coördinator", role="coordinator", telegram_user_id=1009)


class Clock:
    """A controlled clock for the queue and the accounts."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def new_request(queue, resident_key="te-resident-1", buurt="Mariaberg", stadsdeel="West",
                **kwargs):
    values = dict(channel="telegram", resident_key=resident_key, consent=True,
                  contact_method="chat", channel_address="555001",
                  reason="Ik zoek een huiskamer voor ouderen", buurt=buurt, stadsdeel=stadsdeel,
                  language="nl", best_moment="ochtend")
    values.update(kwargs)
    return queue.create_request(**values)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    from ontmoet_core.db import upgrade_database

    path = tmp_path_factory.mktemp("handoff-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(_sqlite_template, tmp_path):
    target = tmp_path / "ontmoet.db"
    shutil.copy(_sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def queue(sqlite_url):
    from bot.handoff.queue import HandoffQueue
    from ontmoet_core.db import make_engine

    clock = Clock()
    engine = make_engine(sqlite_url)
    q = HandoffQueue(engine, clock=clock)
    q.test_clock = clock
    yield q
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    from sqlalchemy.exc import OperationalError

    from ontmoet_core.db import upgrade_database
    from tests.postgres import throwaway_postgres

    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres("ontmoet_handoff"))
        except (OperationalError, ImportError) as exc:
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 unreachable: {exc}")
        upgrade_database(url)
        yield url
