"""Reminders on WhatsApp on one controlled clock: the real WhatsAppInput, the fake
Graph API, the resident's message through the signed webhook, and the reminder
runtime reading the same wall clock.

WhatsApp allows a free-form message only within 24 hours of the resident's last
message, otherwise an approved template (/work/shared/facts/sourced-facts.md,
Platforms). Inside the window: a text; outside it: the reminder template; without
one: nothing is sent and the reminder says `no_template`; when WhatsApp says the
window closed (131047): the template.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.reminders.models import DELIVERED, NO_TEMPLATE, VISIT
from bot.reminders.runtime import ReminderRuntime
from bot.reminders.store import ReminderStore
from ontmoet_core.db import make_engine
from tests.test_channel_whatsapp_e2e import (  # noqa: F401  (fixtures)
    WA,
    ScriptedAgent,
    _resident_wrote,
    graph,
    make_channel,
)
from tests.test_handoff_support import _sqlite_template, sqlite_url  # noqa: F401

TEMPLATE = "ontmoet_herinnering"


class Wall:
    """The channel's epoch clock, as naive UTC for the reminders."""

    def __init__(self, channel):
        self.channel = channel

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.channel.wall.now, timezone.utc).replace(tzinfo=None)

    def advance(self, **kwargs) -> None:
        self.channel.wall.now += timedelta(**kwargs).total_seconds()


@pytest.fixture
def setup(graph, tmp_path, sqlite_url):  # noqa: F811
    channel = make_channel(graph, tmp_path)
    engine = make_engine(sqlite_url)
    clock = Wall(channel)
    store = ReminderStore(engine, clock=clock)
    reminders = ReminderRuntime(channel.settings, store=store, directory=channel.directory,
                                clock=clock)
    yield channel, store, reminders, clock
    engine.dispose()


async def _opted_in(channel, graph, store, clock, due_in_hours):
    resident = await _resident_wrote(channel, graph, ScriptedAgent())
    moment = clock() + timedelta(hours=due_in_hours + 1)
    view = store.schedule(resident, "whatsapp", moment - timedelta(hours=1), "reminder_visit",
                          {"moment": "donderdag om 14:00 bij het buurthuis"}, kind=VISIT,
                          event_at=moment)
    assert await store_address(channel, store, view) == WA
    clock.advance(hours=due_in_hours)
    return view


async def store_address(channel, store, view):
    reminders = ReminderRuntime(channel.settings, store=store, directory=channel.directory)
    await reminders.keep_addresses()
    return store.get(view.id).address


def reminder_sends(graph):
    return [m for m in graph.sent_to(WA)]


async def test_inside_the_window_a_normal_text(setup, graph):
    channel, store, reminders, clock = setup
    view = await _opted_in(channel, graph, store, clock, due_in_hours=20)
    assert await reminders.send_due_once() == 1
    (sent,) = reminder_sends(graph)
    assert sent["type"] == "text"
    assert sent["text"]["body"].startswith("Herinnering: u heeft een afspraak, donderdag")
    assert store.get(view.id).state == DELIVERED


async def test_outside_the_window_the_reminder_template(setup, graph):
    channel, store, reminders, clock = setup
    channel.settings = replace(channel.settings, whatsapp_reminder_template_name=TEMPLATE,
                               whatsapp_reminder_template_language="nl")
    view = await _opted_in(channel, graph, store, clock, due_in_hours=25)
    assert await reminders.send_due_once() == 1
    (sent,) = reminder_sends(graph)
    assert sent["type"] == "template"
    assert sent["template"]["name"] == TEMPLATE and sent["template"]["language"] == {"code": "nl"}
    (parameter,) = sent["template"]["components"][0]["parameters"]
    assert parameter["text"].startswith("Herinnering: u heeft een afspraak")
    assert store.get(view.id).state == DELIVERED


async def test_outside_the_window_without_a_template_nothing_is_sent_and_it_says_so(setup, graph):
    channel, store, reminders, clock = setup
    assert channel.settings.whatsapp_template_name  # the opbouwwerker's template is not used
    view = await _opted_in(channel, graph, store, clock, due_in_hours=25)
    assert await reminders.send_due_once() == 0
    assert reminder_sends(graph) == []
    assert store.get(view.id).state == NO_TEMPLATE
    clock.advance(minutes=10)
    assert await reminders.send_due_once() == 0 and reminder_sends(graph) == []  # not retried


async def test_whatsapp_says_the_window_closed_then_the_template(setup, graph):
    channel, store, reminders, clock = setup
    channel.settings = replace(channel.settings, whatsapp_reminder_template_name=TEMPLATE)
    await _opted_in(channel, graph, store, clock, due_in_hours=2)
    graph.close_window(WA)  # e.g. the resident's clock and ours differ
    assert await reminders.send_due_once() == 1
    assert [m["type"] for m in reminder_sends(graph)] == ["template"]
