"""Issue 15, point 5: retention enforced by the product.

* the purge runs on a schedule inside the service (HandoffRuntime.retention_loop);
* open requests have a maximum age;
* a phone number typed in a conversation is not kept when consent was refused;
* no WhatsApp number is stored when the resident chose contact by chat.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.queue import HandoffQueue
from bot.handoff.runtime import HandoffRuntime
from bot.privacy import PHONE_REDACTED, redact_phone_numbers, scrub_phone_numbers
from ontmoet_core.config import PROJECT_ROOT, Settings
from ontmoet_core.db import make_engine
from tests.fakes.notifier import RecordingNotifier
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    Clock,
    _sqlite_template,
    new_request,
    queue,
    sqlite_url,
    write_roster,
)

TYPED = ("bel me maar op 06-12345678", "mijn nummer: +31 6 1234 5678", "0031612345678 graag")


def test_redact_recognises_typed_numbers_and_leaves_other_digits():
    for text in TYPED:
        assert PHONE_REDACTED in redact_phone_numbers(text) and "5678" not in \
            redact_phone_numbers(text)
    assert redact_phone_numbers("postcode 6218 AB, huisnummer 12") == \
        "postcode 6218 AB, huisnummer 12"


async def _store(tmp_path, sender, texts, stamp=None):
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    stamp = stamp or dt.datetime.now(dt.timezone.utc).timestamp()
    events = [ActionExecuted("action_listen", timestamp=stamp)]
    for text in texts:
        events.append(UserUttered(text, {"name": "inform_handoff"}, timestamp=stamp))
    events.append(SlotSet("handoff_phone", "+31612345678", timestamp=stamp))
    events.append(BotUttered("U wilt gebeld worden op +31612345678. Klopt dat?", timestamp=stamp))
    await store.save(DialogueStateTracker.from_events(sender, events))
    return store


async def test_scrub_removes_the_number_from_one_stored_conversation(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = await _store(tmp_path, "refused", TYPED)
    await _store(tmp_path, "other", ["bel me op 0612345678"])
    before = len((await store.retrieve("refused")).events)

    assert scrub_phone_numbers(url, "refused") == len(TYPED) + 2  # texts, slot, summary
    tracker = await store.retrieve("refused")
    dumped = str([e.as_dict() for e in tracker.events])
    assert "5678" not in dumped and PHONE_REDACTED in dumped
    assert len(tracker.events) == before  # rows rewritten, none added or dropped
    assert "0612345678" in str([e.as_dict() for e in (await store.retrieve("other")).events])
    assert scrub_phone_numbers(url, "refused") == 0  # idempotent


@pytest.fixture
def action_settings(tmp_path, monkeypatch):
    from actions import handoff

    settings = Settings(var_dir=tmp_path, tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setattr(handoff, "settings", lambda: settings)
    monkeypatch.setattr(handoff, "SCRUB_AGAIN_AFTER_SECONDS", 0.05)
    return settings


def _tracker(sender, **slots):
    from rasa_sdk import Tracker

    return Tracker(sender, slots, {"intent": {"name": "deny"}, "text": "nee"}, [], False, None,
                   {}, "action_listen")


@pytest.mark.parametrize("slots", [
    {"handoff_consent": False},
    {"handoff_consent": True, "handoff_confirm": "nee", "handoff_phone": "+31612345678"},
])
async def test_refused_or_unsent_request_keeps_no_typed_number(tmp_path, action_settings, slots):
    from rasa_sdk.executor import CollectingDispatcher

    from actions import handoff

    store = await _store(tmp_path, "bewoner", ["kan iemand me bellen? 06 12345678"])
    await handoff.ActionSubmitToeleiding().run(CollectingDispatcher(), _tracker("bewoner", **slots),
                                               {})
    assert "5678" not in str([e.as_dict() for e in (await store.retrieve("bewoner")).events])
    # The turn of the refusal is saved by Rasa after the action: scrubbed again.
    tracker = await store.retrieve("bewoner")
    tracker.update(UserUttered("nee, bel me liever op 0612345678", {"name": "deny"}))
    await store.save(tracker)
    assert "0612345678" in str([e.as_dict() for e in (await store.retrieve("bewoner")).events])
    await asyncio.sleep(0.3)
    assert "5678" not in str([e.as_dict() for e in (await store.retrieve("bewoner")).events])


async def test_a_sent_request_keeps_the_conversation_as_it_is(tmp_path, action_settings,
                                                              monkeypatch):
    from rasa_sdk.executor import CollectingDispatcher

    from actions import handoff

    class Runtime:
        async def submit_request(self, **fields):
            return type("V", (), {"reference": "T-0001"})()

    monkeypatch.setattr(handoff, "handoff_runtime", lambda: Runtime())
    store = await _store(tmp_path, "bewoner", ["bel me op 0612345678"])
    tracker = _tracker("bewoner", handoff_consent=True, handoff_confirm="ja",
                       handoff_contact_method="telefoon", handoff_phone="+31612345678")
    await handoff.ActionSubmitToeleiding().run(CollectingDispatcher(), tracker, {})
    assert "0612345678" in str([e.as_dict() for e in (await store.retrieve("bewoner")).events])


# --- no WhatsApp number when the resident chose contact by chat ------------------
def test_no_whatsapp_number_is_stored_for_contact_by_chat(queue):  # noqa: F811
    chat = new_request(queue, channel="whatsapp", resident_key="wh-1", contact_method="chat",
                       channel_address="31612345678")
    assert queue.get(chat.reference).channel_address is None
    assert not queue.keep_channel_address(chat.reference, "whatsapp", "31612345678")
    assert queue.get(chat.reference).channel_address is None
    call_me = new_request(queue, channel="whatsapp", resident_key="wh-2", contact_method="bel_mij",
                          channel_address=None)
    assert queue.keep_channel_address(call_me.reference, "whatsapp", "31687654321")
    assert queue.get(call_me.reference).channel_address == "31687654321"
    telegram = new_request(queue, channel="telegram", resident_key="te-3", contact_method="chat",
                           channel_address="555001")
    assert queue.get(telegram.reference).channel_address == "555001"  # not a phone number


async def test_the_service_does_not_add_a_whatsapp_number_for_chat(sqlite_url, tmp_path):  # noqa: F811
    from bot.channels.stores import ResidentAddress, ResidentDirectory

    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"),
                        knowledge_dir=PROJECT_ROOT / "knowledge" / "data")
    runtime = HandoffRuntime(settings, queue=HandoffQueue(make_engine(sqlite_url)),
                             notifier=RecordingNotifier())
    runtime.directory = ResidentDirectory()
    await runtime.directory.remember("wh-chat", ResidentAddress("whatsapp", "31612345678"))
    view = runtime.queue.create_request(channel="whatsapp", resident_key="wh-chat", consent=True,
                                        contact_method="chat", buurt="Mariaberg")
    await runtime.announce_pending()
    assert runtime.queue.get(view.reference).channel_address is None


# --- open requests have a maximum age ---------------------------------------------
def test_open_requests_older_than_the_maximum_are_closed_and_anonymised(queue):  # noqa: F811
    clock = queue.test_clock
    old = new_request(queue, resident_key="te-old", contact_method="telefoon",
                      contact_phone="0612345678", channel_address=None)
    clock.advance(days=60)
    young = new_request(queue, resident_key="te-young")
    clock.advance(days=31)
    counts = queue.purge(open_older_than=dt.timedelta(days=90))
    assert counts["expired_open"] == 1 and counts["requests"] == 1
    gone = queue.get(old.reference)
    assert gone.status == "geannuleerd" and gone.anonymised_at is not None
    assert gone.contact_phone is None and gone.reason is None and gone.resident_key is None
    assert "expired" in [e.action for e in queue.show(old.reference).events]
    assert queue.get(young.reference).status == "nieuw"
    assert queue.purge(open_older_than=dt.timedelta(days=90))["expired_open"] == 0


# --- the purge runs on a schedule inside the service ---------------------------------
async def test_the_service_purges_on_a_schedule(sqlite_url, tmp_path):  # noqa: F811
    tracker_db = tmp_path / "tracker.db"
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    store = await _store(tmp_path, "old-conversation", ["hallo"], stamp=old.timestamp())
    await _store(tmp_path, "recent-conversation", ["hallo"])
    queue = HandoffQueue(make_engine(sqlite_url))  # noqa: F811
    stale = queue.create_request(channel="rest", resident_key="re-stale", consent=True,
                                 reason="oud", now=dt.datetime.utcnow() - dt.timedelta(days=100))
    settings = replace(Settings(var_dir=tmp_path, database_url=sqlite_url,
                                tracker_store_url=f"sqlite:///{tracker_db}"),
                       retention_interval_hours=0.2 / 3600)  # every 0.2 s
    runtime = HandoffRuntime(settings, queue=queue)
    task = asyncio.get_running_loop().create_task(runtime.retention_loop(first_delay_seconds=0))
    try:
        for _ in range(100):
            await asyncio.sleep(0.1)
            if queue.get(stale.reference).anonymised_at is not None and \
                    not (await store.retrieve("old-conversation") or DialogueStateTracker(
                        "x", [])).events:
                break
    finally:
        task.cancel()
    assert queue.get(stale.reference).status == "geannuleerd"
    assert queue.get(stale.reference).reason is None
    old_tracker = await store.retrieve("old-conversation")
    assert old_tracker is None or not old_tracker.events
    assert (await store.retrieve("recent-conversation")).events


def test_the_service_starts_the_retention_loop():
    """build_app registers it next to the escalation loop (source check: building
    the app needs a model)."""
    import inspect

    from bot import service

    source = inspect.getsource(service.build_app)
    assert "runtime.retention_loop()" in source


def test_retention_is_off_with_interval_zero(tmp_path):
    settings = Settings(var_dir=tmp_path, retention_interval_hours=0)
    runtime = HandoffRuntime(settings, queue=object())
    asyncio.run(asyncio.wait_for(runtime.retention_loop(first_delay_seconds=0), 1))
