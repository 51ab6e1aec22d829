"""'Verwijder mijn gegevens' (issue 8 item 9) against Rasa's real SQLTrackerStore.

The action runs while Rasa is handling that very conversation: Rasa saves the
turn after the action returns. These tests replay that order with the real
store: retrieve, user message, the action's erasure, the action's events,
save; and then look at every stored row.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    AllSlotsReset,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, text

import actions.privacy_erase as privacy_erase
from bot.handoff.runtime import HandoffRuntime
from bot.privacy import delete_conversation, erase_conversation_in_place
from ontmoet_core.config import load_settings
from tests.test_handoff_support import _sqlite_template, new_request, queue, sqlite_url  # noqa: F401

SENDER = "pseudo-resident-erase"
OTHER = "pseudo-resident-stays"
PHONE = "0612345678"
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [request_toeleiding, affirm, delete_my_data]
slots:
  handoff_phone:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
""")


def make_store(tmp_path) -> tuple:
    path = tmp_path / "tracker.db"
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path)), f"sqlite:///{path}"


def user(text_, intent, ts):
    return UserUttered(text_, {"name": intent, "confidence": 1.0}, timestamp=ts)


async def earlier_conversation(store, sender=SENDER):
    """Two sessions with personal data: a phone number in text and in a slot."""
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in [
        ActionExecuted("action_session_start", timestamp=100.0), SessionStarted(timestamp=100.1),
        ActionExecuted("action_listen", timestamp=100.2),
        user(f"bel mij op {PHONE}", "request_toeleiding", 101.0),
        SlotSet("handoff_phone", "+31612345678", timestamp=101.1),
        BotUttered("Uw vraag is verstuurd. Uw nummer is T-0001.", timestamp=101.2),
        ActionExecuted("action_listen", timestamp=101.3),
        # a later session
        ActionExecuted("action_session_start", timestamp=200.0), SessionStarted(timestamp=200.1),
        SlotSet("handoff_phone", "+31612345678", timestamp=200.15),
        ActionExecuted("action_listen", timestamp=200.2),
        user(f"mijn nummer is nog steeds {PHONE}", "request_toeleiding", 201.0),
        ActionExecuted("action_listen", timestamp=201.3),
        user("verwijder mijn gegevens", "delete_my_data", 202.0),
        BotUttered("Wilt u dat ik alles van u wis?", timestamp=202.1),
        ActionExecuted("action_listen", timestamp=202.2),
    ]:
        tracker.update(event)
    await store.save(tracker)


async def rasa_turn(store, erase):
    """One turn as Rasa's MessageProcessor does it: retrieve, handle, save."""
    tracker = await store.retrieve(SENDER)
    tracker.update(user("ja", "affirm", 300.0))
    erase()  # the action runs here, while Rasa holds the tracker in memory
    for event in [
        ActionExecuted("action_submit_delete_my_data", timestamp=300.1),
        BotUttered("Klaar. Ik heb gewist: ons gesprek.", timestamp=300.2),
        AllSlotsReset(timestamp=300.3),
        ActionExecuted("action_listen", timestamp=300.4),
    ]:
        tracker.update(event)
    await store.save(tracker)


def stored_rows(url, sender=SENDER):
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                            {"s": sender}).all()
    engine.dispose()
    return rows


async def test_erasing_in_place_leaves_no_personal_data_after_rasa_saves(tmp_path):
    store, url = make_store(tmp_path)
    await earlier_conversation(store)
    await earlier_conversation(store, sender=OTHER)
    erased = []
    await rasa_turn(store, lambda: erased.append(erase_conversation_in_place(url, SENDER)))

    assert erased[0] == 16
    rows = stored_rows(url)
    blob = "\n".join(data for _, data in rows)
    assert PHONE not in blob and "612345678" not in blob
    assert "verwijder mijn gegevens" not in blob
    assert blob.count("Klaar. Ik heb gewist") == 1, "the answer of this turn is stored once"
    # Rasa can still load the conversation, with no personal slot left
    tracker = await store.retrieve_full_tracker(SENDER)
    assert tracker.get_slot("handoff_phone") is None
    assert all(PHONE not in json.dumps(e.as_dict()) for e in tracker.events)
    # another resident's conversation is untouched
    assert PHONE in "\n".join(data for _, data in stored_rows(url, OTHER))


async def test_deleting_rows_from_inside_the_action_would_be_undone_by_rasa(tmp_path):
    """Why the in-place erasure exists: a plain DELETE during the turn is rewritten."""
    store, url = make_store(tmp_path)
    await earlier_conversation(store)
    await rasa_turn(store, lambda: delete_conversation(url, SENDER))
    blob = "\n".join(data for _, data in stored_rows(url))
    assert PHONE in blob  # Rasa wrote the current session back


async def test_erasing_a_conversation_that_is_not_stored(tmp_path):
    _, url = make_store(tmp_path)
    assert erase_conversation_in_place(url, "nobody") == 0
    assert erase_conversation_in_place(f"sqlite:///{tmp_path / 'empty.db'}", "nobody") == 0


def tracker_for(confirm: str) -> Tracker:
    latest = {"intent": {"name": "affirm"}, "text": "ja", "entities": []}
    return Tracker(SENDER, {"handoff_delete_confirm": confirm}, latest, [], False, None, {},
                   "delete_data_form")


@pytest.fixture
def erase_action(queue, tmp_path, monkeypatch):  # noqa: F811
    store, url = make_store(tmp_path)
    settings = replace(load_settings({"ONTMOET_VAR_DIR": str(tmp_path)}), tracker_store_url=url)
    runtime = HandoffRuntime(settings, queue=queue)
    monkeypatch.setattr(privacy_erase, "handoff_runtime", lambda: runtime)
    monkeypatch.setattr(privacy_erase, "settings", lambda: settings)
    return store, url


async def test_the_action_erases_queue_data_and_conversation_and_says_what(erase_action, queue):  # noqa: F811
    store, url = erase_action
    await earlier_conversation(store)
    open_one = new_request(queue, resident_key=SENDER, contact_method="telefoon",
                           contact_phone="+31612345678")
    closed = new_request(queue, resident_key=SENDER)
    from tests.test_handoff_support import WEST

    queue.claim(closed.reference, WEST)
    queue.close(closed.reference, WEST)
    other = new_request(queue, resident_key=OTHER)

    dispatcher = CollectingDispatcher()
    events = await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("ja"), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_delete_done"
    assert (message["requests"], message["cancelled"]) == (2, 1)
    assert message["events"] == 16
    assert events == [{"event": "reset_slots", "timestamp": None}]

    for reference in (open_one.reference, closed.reference):
        view = queue.get(reference)
        assert view.resident_key is None and view.contact_phone is None and view.reason is None
        assert view.anonymised_at is not None
    assert queue.get(open_one.reference).status == "geannuleerd"
    assert queue.get(closed.reference).status == "afgerond"  # counts stay
    assert queue.get(other.reference).resident_key == OTHER
    assert queue.status_for_resident(SENDER) == []
    assert PHONE not in "\n".join(data for _, data in stored_rows(url))


async def test_no_erasure_without_a_yes(erase_action, queue):  # noqa: F811
    store, url = erase_action
    await earlier_conversation(store)
    view = new_request(queue, resident_key=SENDER)
    dispatcher = CollectingDispatcher()
    await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("nee"), {})
    assert dispatcher.messages[0]["response"] == "utter_delete_kept"
    assert queue.get(view.reference).resident_key == SENDER
    assert PHONE in "\n".join(data for _, data in stored_rows(url))


async def test_a_failure_is_said_kindly(erase_action, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(privacy_erase, "erase_resident", broken)
    dispatcher = CollectingDispatcher()
    await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("ja"), {})
    assert dispatcher.messages[0]["response"] == "utter_delete_failed"


async def test_confirmation_is_extracted_only_as_the_answer():
    validator = privacy_erase.ValidateDeleteDataForm()
    latest = {"intent": {"name": "affirm"}, "text": "ja", "entities": []}
    asked = Tracker(SENDER, {"requested_slot": "handoff_delete_confirm"}, latest, [], False, None,
                    {"name": "delete_data_form"}, "action_listen")
    domain = {"forms": {"delete_data_form": {"required_slots": ["handoff_delete_confirm"]}},
              "slots": {"handoff_delete_confirm": {"type": "text", "mappings": [{"type": "custom"}]}}}
    events = await validator.run(CollectingDispatcher(), asked, domain)
    assert {"event": "slot", "timestamp": None, "name": "handoff_delete_confirm", "value": "ja"} in events
    not_asked = Tracker(SENDER, {"requested_slot": None}, latest, [], False, None, {}, "action_listen")
    events = await validator.run(CollectingDispatcher(), not_asked, domain)
    assert not any(e.get("name") == "handoff_delete_confirm" for e in events)
