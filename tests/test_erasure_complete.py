""""Verwijder mijn gegevens" is complete and says what it did (issue 15, point 4).

* the action's reply says what was erased and what is kept how long (logs,
  backups), then sends the erase marker;
* the service then forgets the resident in its own memory and in Redis:
  address, outbox, button tokens, WhatsApp pages, rate-limit counters;
* the queue keeps no notes, and staff cannot add notes to an anonymised request;
* the in-place erasure of the conversation works on PostgreSQL as on SQLite.
"""
from __future__ import annotations

import json

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa_sdk.executor import CollectingDispatcher

import actions.privacy_erase as privacy_erase
from bot.channels.erasure import ERASE_MARKER, default_eraser, erase_marker, is_erase_marker
from bot.channels.stores import ResidentAddress
from bot.handoff.queue import NotAllowed
from bot.privacy import erase_conversation_in_place
from bot.service import build_input_channels
from ontmoet_core.config import load_settings
from tests.postgres import throwaway_postgres
from tests.test_delete_my_data import (  # noqa: F401  (fixtures)
    DOMAIN,
    OTHER,
    PHONE,
    SENDER,
    earlier_conversation,
    erase_action,
    rasa_turn,
    stored_rows,
    tracker_for,
)
from tests.test_handoff_support import WEST, _sqlite_template, new_request, queue, sqlite_url  # noqa: F401

REDIS_URL = "redis://127.0.0.1:6379/15"


# -- the reply ---------------------------------------------------------------------------
async def test_the_reply_says_what_was_erased_and_what_is_kept_how_long(erase_action, queue):  # noqa: F811
    store, _ = erase_action
    await earlier_conversation(store)
    view = new_request(queue, resident_key=SENDER)
    queue.add_note(view.reference, WEST, "belde mevrouw, ze is vaak alleen")
    dispatcher = CollectingDispatcher()
    await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("ja"), {})
    done, marker = dispatcher.messages
    assert done["response"] == "utter_delete_done"
    assert (done["requests"], done["notes"], done["cancelled"]) == (1, 1, 1)
    assert (done["log_days"], done["backup_days"]) == (30, 15)
    assert is_erase_marker(marker) and marker["custom"] == {ERASE_MARKER: True}


def test_the_domain_text_names_logs_and_backups_with_their_days():
    from pathlib import Path

    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml")
                            .read_text(encoding="utf-8"))
    for variant in domain["responses"]["utter_delete_done"]:
        text = variant["text"]
        assert "{log_days}" in text and "{backup_days}" in text and "{requests}" in text


# -- the service's own state ----------------------------------------------------------------
def _service_channels(tmp_path, **env):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k",
                              "TELEGRAM_BOT_TOKEN": "123:abc", "WHATSAPP_TOKEN": "t",
                              "WHATSAPP_APP_SECRET": "s", "WHATSAPP_PHONE_NUMBER_ID": "1",
                              **env})
    channels = {c.name(): c for c in build_input_channels(settings)}
    return settings, channels


async def _fill(rest, pseudonym):
    """Everything the service remembers about one resident."""
    await rest.directory.remember(pseudonym, ResidentAddress("rest", pseudonym))
    rest.outbox.put(pseudonym, "Hallo, met Anna van het opbouwwerk")
    offered = rest.registry.offer(pseudonym, [{"title": "Ja", "payload": "/affirm"}])
    rest.rate_limiter.allow(pseudonym)
    return offered[0].token


async def _assert_forgotten(rest, pseudonym, token):
    assert await rest.directory.lookup(pseudonym) is None
    assert rest.outbox.take(pseudonym) == []
    assert rest.registry.resolve(pseudonym, token) is None
    assert pseudonym not in rest.rate_limiter._hits


@pytest.mark.parametrize("redis", [False, True], ids=["memory", "redis"])
async def test_the_marker_makes_the_rest_channel_forget_the_resident(tmp_path, redis):
    env = {"ONTMOET_REDIS_URL": REDIS_URL} if redis else {}
    _, channels = _service_channels(tmp_path, **env)
    rest = channels["rest"]
    pseudonym = rest._pseudonym("bewoner-1")
    other = rest._pseudonym("bewoner-2")
    token = await _fill(rest, pseudonym)
    other_token = await _fill(rest, other)
    if redis:
        assert rest.registry.client.exists(f"ontmoet:knoppen:{pseudonym}") == 1

    async def assistant(message):  # what Rasa's processor does after the erasure action
        await message.output_channel.send_response(message.sender_id,
                                                   {"text": "Klaar. Ik heb gewist: ..."})
        await message.output_channel.send_response(message.sender_id, {"custom": erase_marker()})

    status, replies = await rest.handle(assistant, json.dumps(
        {"sender": "bewoner-1", "message": "ja"}).encode())
    assert status == 200
    assert [r.get("text") for r in replies] == ["Klaar. Ik heb gewist: ..."]
    assert all("custom" not in r for r in replies)  # the marker never reaches the resident
    await _assert_forgotten(rest, pseudonym, token)
    if redis:
        assert rest.registry.client.exists(f"ontmoet:knoppen:{pseudonym}") == 0
    # another resident keeps everything
    assert await rest.directory.lookup(other) is not None
    assert rest.registry.resolve(other, other_token) == "/affirm"
    assert rest.outbox.take(other) == ["Hallo, met Anna van het opbouwwerk"]
    if redis:
        rest.registry.client.delete(f"ontmoet:knoppen:{other}")


async def test_whatsapp_pages_and_telegram_state_are_forgotten_and_nothing_is_sent(tmp_path):
    from bot.channels.whatsapp.client import SendResult
    from bot.channels.whatsapp.format import Paged
    from bot.channels.whatsapp.parse import WhatsAppEvent

    _, channels = _service_channels(tmp_path)
    whatsapp, telegram = channels["whatsapp"], channels["telegram"]

    async def assistant(message):  # what Rasa's processor does after the erasure action
        await message.output_channel.send_text_message(message.sender_id, "Klaar.")
        await message.output_channel.send_custom_json(message.sender_id, erase_marker())

    pseudonym = whatsapp._pseudonym("31612345678")
    whatsapp._pages[pseudonym] = Paged("Kies een plek", [{"title": "meer", "payload": "/x"}])
    sent = []

    async def send(to, message):
        sent.append(message)
        return SendResult(True)

    whatsapp.client.send = send
    await whatsapp.handle_event(assistant, WhatsAppEvent(
        "text", message_id="wamid.1", wa_id="31612345678", text="ja"))
    assert [m["text"]["body"] for m in sent] == ["Klaar."]  # the marker is never sent
    assert pseudonym not in whatsapp._pages and pseudonym not in whatsapp.rate_limiter._hits
    assert await whatsapp.directory.lookup(pseudonym) is None

    tg = telegram._pseudonym(4242)
    calls = []

    async def execute(chat_id, c):
        calls.extend(c)

    telegram.execute = execute
    await telegram.handle_update(assistant, {"update_id": 7, "message": {
        "message_id": 1, "chat": {"id": 4242, "type": "private"}, "from": {"id": 4242},
        "text": "ja"}})
    assert [c.kwargs["text"] for c in calls] == ["Klaar."]
    assert tg not in telegram.rate_limiter._hits
    assert await telegram.directory.lookup(tg) is None


def test_every_part_with_per_resident_state_is_registered(tmp_path):
    _service_channels(tmp_path)
    names = default_eraser().names
    for part in ("knoppen", "outbox", "adressen", "kanaal rest", "kanaal webchat",
                 "kanaal telegram", "kanaal whatsapp"):
        assert part in names


async def test_one_failing_part_does_not_stop_the_others(tmp_path):
    _, channels = _service_channels(tmp_path)
    rest = channels["rest"]
    pseudonym = rest._pseudonym("bewoner-3")
    token = await _fill(rest, pseudonym)

    def broken(_):
        raise RuntimeError("redis is weg")

    default_eraser()._forgetters.insert(0, ("kapot", broken))
    report = await default_eraser().erase(pseudonym)
    assert report["kapot"] == "failed" and report["outbox"] == "ok"
    await _assert_forgotten(rest, pseudonym, token)


# -- the queue -------------------------------------------------------------------------
def test_notes_go_with_the_request_and_staff_cannot_add_new_ones(queue):  # noqa: F811
    view = new_request(queue, resident_key=SENDER)
    queue.claim(view.reference, WEST)
    queue.add_note(view.reference, WEST, "mevrouw woont alleen, dochter in Heerlen")
    counts = queue.delete_resident_data(SENDER)
    assert counts["notes"] == 1
    assert not queue.show(view.reference).notes
    with pytest.raises(NotAllowed) as refused:
        queue.add_note(view.reference, WEST, "nog iets over mevrouw")
    assert refused.value.details.get("anonymised") is True
    assert not queue.show(view.reference).notes


def test_retention_anonymised_requests_take_no_notes_either(queue):  # noqa: F811
    from datetime import timedelta

    view = new_request(queue, resident_key=SENDER)
    queue.claim(view.reference, WEST)
    queue.close(view.reference, WEST)
    queue.test_clock.advance(days=200)
    queue.purge(closed_older_than=timedelta(days=180))
    with pytest.raises(NotAllowed):
        queue.add_note(view.reference, WEST, "terugbellen?")


async def test_telegram_staff_hear_why_a_note_is_refused(queue):  # noqa: F811
    from bot.handoff.telegram_staff import TelegramStaffCommands
    from bot.staff.actions import StaffActions
    from tests.test_handoff_support import roster

    view = new_request(queue, resident_key=SENDER)
    queue.delete_resident_data(SENDER)
    commands = TelegramStaffCommands(StaffActions(queue), roster())
    reply = await commands.handle(WEST.telegram_user_id, "private", f"/notitie {view.reference} hallo")
    assert "wissen" in reply.texts[0] and view.reference in reply.texts[0]
    assert not queue.show(view.reference).notes


# -- the tracker store on PostgreSQL ------------------------------------------------------------
async def test_erasing_in_place_on_a_postgresql_tracker_store():
    from sqlalchemy.engine import make_url

    with throwaway_postgres("ontmoet_erase") as url:
        parsed = make_url(url)
        store = SQLTrackerStore(DOMAIN, dialect="postgresql", host=parsed.host, port=parsed.port,
                                db=parsed.database, username=parsed.username)
        try:
            await earlier_conversation(store)
            await earlier_conversation(store, sender=OTHER)
            erased = []
            await rasa_turn(store, lambda: erased.append(erase_conversation_in_place(url, SENDER)))
            assert erased[0] == 16
            blob = "\n".join(data for _, data in stored_rows(url))
            assert PHONE not in blob and "612345678" not in blob
            assert "verwijder mijn gegevens" not in blob
            tracker = await store.retrieve_full_tracker(SENDER)
            assert tracker.get_slot("handoff_phone") is None
            assert PHONE in "\n".join(data for _, data in stored_rows(url, OTHER))
        finally:
            store.engine.dispose()


async def test_the_dashboard_refuses_a_note_on_an_erased_request(monkeypatch, queue, tmp_path):  # noqa: F811
    from sanic import Sanic

    from tests.test_staff_dashboard import client, hidden, login  # noqa: F401
    from tests.test_staff_dashboard import env as _env

    monkeypatch.setattr(Sanic, "test_mode", True)
    app, _, _, _ = _env.__wrapped__(queue, tmp_path)
    view = new_request(queue, resident_key=SENDER)
    queue.claim(view.reference, WEST)
    queue.delete_resident_data(SENDER)
    async with await client(app) as c:
        await login(c, "ow-west")
        page = await c.get(f"/staff/r/{view.reference}")
        r = await c.post(f"/staff/r/{view.reference}/note",
                         data={"csrf_token": hidden(page.text), "text": "mevrouw belde terug"})
        assert r.status_code == 303 and "m=anonymised" in r.headers["location"]
        shown = await c.get(r.headers["location"])
        assert "gewist" in shown.text and 'id="add-note"' not in shown.text
    assert not queue.show(view.reference).notes


# -- the subsidy check's printable checklists (issue 18.3) --------------------------------
async def test_erasure_deletes_the_residents_printable_checklists(erase_action, queue, tmp_path):  # noqa: F811
    from bot.precheck.store import ChecklistStore
    from knowledge.precheck import Answers, run_precheck
    from tests.knowledge_helpers import fresh_kb

    result = run_precheck(fresh_kb(tmp_path, name="precheck-kb.db"),
                          Answers("huiskamer", "senioren", "Scharn", "10_25", "elke_week", "nee"))
    checklists = ChecklistStore(queue.engine)
    mine, theirs = checklists.save(SENDER, result), checklists.save(OTHER, result)
    dispatcher = CollectingDispatcher()
    await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("ja"), {})
    assert dispatcher.messages[0]["response"] == "utter_delete_done"
    assert checklists.load(mine) is None, "the print link no longer works"
    assert checklists.count(SENDER) == 0
    assert checklists.load(theirs) == result, "another resident's checklist stays"

# -- every table keyed by resident -------------------------------------------------------
# The tables with a resident_key column and how "verwijder mijn gegevens" treats them
# (actions/privacy_erase.py erase_resident). A new such table must be added here,
# with its erasure.
ERASED_TABLES = {
    "ho_request": "anonymised (HandoffQueue.delete_resident_data)",
    "ins_conversation": "deleted (bot.insights.review.erase_resident)",
    "ins_review_item": "deleted (bot.insights.review.erase_resident)",
    "rm_reminder": "deleted (ReminderStore.erase_resident)",
    "pc_checklist": "deleted (ChecklistStore.forget)",
}


def test_every_table_keyed_by_resident_is_known_to_the_erasure():
    from bot.schema import all_metadata

    keyed = {t.name for m in all_metadata() for t in m.tables.values()
             if "resident_key" in t.columns}
    assert keyed == set(ERASED_TABLES)


async def test_the_reminders_go_with_the_residents_data(erase_action, queue):  # noqa: F811
    from datetime import datetime, timedelta, timezone

    from bot.reminders.store import ReminderStore

    store = ReminderStore(queue.engine)
    moment = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=2)
    store.schedule(SENDER, "whatsapp", moment, "reminder_visit", {"moment": "x"},
                   address="31612345678")
    store.schedule(OTHER, "telegram", moment, "reminder_visit", {"moment": "x"}, address="7")
    dispatcher = CollectingDispatcher()
    await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("ja"), {})
    assert dispatcher.messages[0]["response"] == "utter_delete_done"
    assert store.for_resident(SENDER) == []
    assert [v.address for v in store.for_resident(OTHER)] == ["7"]
