"""The staff actions (bot/staff/actions.py): the queue change and its side effects
(message to the resident, pausing the assistant) in one place, used by the
dashboard, the Telegram staff commands and the CLI alike."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sanic import Sanic

from bot.handoff import cli
from bot.handoff.queue import (
    SYNC_PAUSE,
    SYNC_RESUME,
    SYNC_RESUME_ENDED,
    InvalidInput,
    NotAllowed,
)
from bot.handoff.telegram_staff import TelegramStaffCommands
from bot.staff.accounts import StaffAccounts
from bot.staff.actions import StaffActions, can_act, can_reopen, reopen_until
from bot.staff.clock import hours_text, promised_hours, response_clock
from bot.staff.dashboard import dashboard_app
from ontmoet_core.config import Settings
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    COORD,
    WEST,
    WEST2,
    _sqlite_template,
    new_request,
    queue,
    roster,
    sqlite_url,
    write_roster,
)
from tests.test_staff_dashboard import FAST_HASHER, PASSWORD, client, hidden, login


class Effects:
    """Records what the actions did outside the queue; can be told to fail."""

    def __init__(self, delivered=True, paused=True):
        self.relays, self.pauses = [], []
        self._delivered, self._paused = delivered, paused

    async def deliver(self, relay):
        self.relays.append(relay)
        if isinstance(self._delivered, Exception):
            raise self._delivered
        return self._delivered

    async def pause(self, resident_key, paused):
        self.pauses.append((resident_key, paused))
        if isinstance(self._paused, Exception):
            raise self._paused
        return self._paused

    def actions(self, queue):  # noqa: F811
        return StaffActions(queue, deliver=self.deliver, pause=self.pause)


async def test_claim_says_who_won(queue):  # noqa: F811
    actions = StaffActions(queue)
    ref = new_request(queue).reference
    won = await actions.claim(ref, WEST)
    assert (won.key, won.owner, won.request.area) == ("claimed", "ow-west", "Mariaberg (West)")
    assert (await actions.claim(ref, WEST)).key == "claim_already_yours"
    lost = await actions.claim(ref, WEST2)
    assert (lost.key, lost.owner, lost.request) == ("claim_lost", "ow-west", None)
    await actions.close(ref, WEST)
    closed = await actions.claim(ref, COORD)
    assert (closed.key, closed.status) == ("claim_closed", "afgerond")


async def test_a_reply_is_stored_and_delivered(queue):  # noqa: F811
    effects = Effects()
    actions = effects.actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    outcome = await actions.reply(ref, WEST, "Ik bel u morgen")
    assert (outcome.key, outcome.delivery, outcome.status) == (
        "reply_delivered", "delivered", "in_contact")
    assert [r.text.endswith("Ik bel u morgen") for r in effects.relays] == [True]
    assert effects.relays[0].resident_key == "te-resident-1"
    assert [n.kind for n in queue.show(ref).notes] == ["reply"]
    assert effects.pauses == []  # a reply does not touch the assistant


@pytest.mark.parametrize("failure", [False, ConnectionError("kanaal weg")])
async def test_a_reply_that_did_not_arrive_says_so(queue, failure):  # noqa: F811
    actions = Effects(delivered=failure).actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    outcome = await actions.reply(ref, WEST, "Hallo")
    assert (outcome.key, outcome.delivery) == ("reply_not_delivered", "failed")
    assert [n.text for n in queue.show(ref).notes] == ["Hallo"]  # kept for the timeline


async def test_live_chat_pauses_and_resumes_the_assistant_and_tells_the_resident(queue):  # noqa: F811
    effects = Effects()
    actions = effects.actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    started = await actions.start_live(ref, WEST)
    assert started.key == "live_started" and not started.sync_failed
    assert effects.pauses == [("te-resident-1", True)] and "wacht" in effects.relays[-1].text
    assert queue.get(ref).assistant_sync == SYNC_PAUSE  # the service confirms it again
    ended = await actions.end_live(ref, WEST)
    assert ended.key == "live_ended" and ended.delivery == "delivered"
    assert effects.pauses[-1] == ("te-resident-1", False)
    assert "assistent" in effects.relays[-1].text
    # told here already: the service only resumes, it does not tell again
    assert queue.get(ref).assistant_sync == SYNC_RESUME


@pytest.mark.parametrize("action", ["close", "release"])
async def test_closing_or_releasing_a_live_chat_resumes_the_assistant(queue, action):  # noqa: F811
    effects = Effects()
    actions = effects.actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    await actions.start_live(ref, WEST)
    outcome = await getattr(actions, action)(ref, WEST)
    assert outcome.key == {"close": "closed", "release": "released"}[action]
    assert effects.pauses == [("te-resident-1", True), ("te-resident-1", False)]
    assert "assistent" in effects.relays[-1].text
    assert queue.live_request("te-resident-1") is None


async def test_closing_without_live_chat_touches_nothing_outside_the_queue(queue):  # noqa: F811
    effects = Effects()
    actions = effects.actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    outcome = await actions.close(ref, WEST, note="Samen naar de huiskamer geweest")
    assert outcome.status == "afgerond" and outcome.delivery is None
    assert effects.relays == [] and effects.pauses == []
    assert [n.text for n in queue.show(ref).notes] == ["Samen naar de huiskamer geweest"]


@pytest.mark.parametrize("failure", [False, RuntimeError("rasa weg")])
async def test_a_failed_pause_is_reported_and_left_for_the_service(queue, failure):  # noqa: F811
    actions = Effects(paused=failure).actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    outcome = await actions.start_live(ref, WEST)
    assert outcome.sync_failed and outcome.key == "live_started"
    assert queue.get(ref).assistant_sync == SYNC_PAUSE  # the service's loop retries


async def test_without_a_channel_the_service_tells_the_resident_later(queue):  # noqa: F811
    """The CLI has no resident connection and no Agent: the queue keeps the task."""
    live = Effects().actions(queue)
    ref = new_request(queue).reference
    await live.claim(ref, WEST)
    await live.start_live(ref, WEST)
    outcome = await StaffActions(queue).close(ref, WEST)
    assert outcome.delivery is None and not outcome.sync_failed
    assert queue.get(ref).assistant_sync == SYNC_RESUME_ENDED


async def test_refusals_are_the_queues_errors(queue):  # noqa: F811
    actions = Effects().actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    with pytest.raises(NotAllowed):
        await actions.reply(ref, WEST2, "Ik neem het over")


async def test_dashboard_telegram_and_cli_all_close_through_the_staff_actions(
        queue, tmp_path, monkeypatch):  # noqa: F811
    """One code path: each interface's close goes through StaffActions.close."""
    calls = []
    original = StaffActions.close

    async def recording_close(self, reference, staff, **kwargs):
        calls.append(staff.username)
        return await original(self, reference, staff, **kwargs)

    monkeypatch.setattr(StaffActions, "close", recording_close)
    monkeypatch.setattr(Sanic, "test_mode", True)
    refs = [new_request(queue, resident_key=f"te-{i}").reference for i in range(3)]
    for ref in refs:
        queue.claim(ref, WEST)

    commands = TelegramStaffCommands(StaffActions(queue), roster())
    await commands.handle(WEST.telegram_user_id, "private", f"/afronden {refs[0]} ja")

    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"))
    app = dashboard_app(settings, lambda: queue, app_name="staff_actions_one_path",
                        accounts_factory=lambda e, r: StaffAccounts(e, r, hasher=FAST_HASHER))
    StaffAccounts(queue.engine, roster, hasher=FAST_HASHER).add("ow-west", PASSWORD)
    async with await client(app) as c:
        await login(c, "ow-west")
        page = await c.get(f"/staff/r/{refs[1]}")
        await c.post(f"/staff/r/{refs[1]}/close", data={"csrf_token": hidden(page.text),
                                                         "confirm": "ja"})

    monkeypatch.setenv("ONTMOET_DATABASE_URL", str(queue.engine.url))
    monkeypatch.setenv("ONTMOET_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ONTMOET_STAFF_FILE", str(settings.staff_file))
    assert await asyncio.to_thread(cli.main, ["queue", "close", refs[2], "--as", "ow-west"]) == 0

    assert calls == ["ow-west"] * 3
    assert [queue.get(ref).status for ref in refs] == ["afgerond"] * 3


# -- issue 19.5: closing with care ------------------------------------------------------------
async def test_closing_note_and_closing_message(queue):  # noqa: F811
    effects = Effects()
    actions = effects.actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    outcome = await actions.close(ref, WEST, note="Samen naar de huiskamer geweest",
                                  message="Fijn dat we elkaar zagen. Tot ziens!")
    assert outcome.key == "closed" and outcome.delivery == "delivered"
    assert [r.text for r in effects.relays] == [
        f"Bericht van de opbouwwerker (vraag {ref}):\nFijn dat we elkaar zagen. Tot ziens!"]
    detail = queue.show(ref)
    assert [(n.kind, n.text) for n in detail.notes] == [
        ("closing", "Samen naar de huiskamer geweest"),
        ("reply", "Fijn dat we elkaar zagen. Tot ziens!")]
    # the close stays the last step (a message after a close is read as about the request)
    assert [e.action for e in detail.events][-3:] == ["note", "reply", "closed"]


@pytest.mark.parametrize("answer, state, key", [
    (True, "delivered", "reply_delivered"), ("delivered", "delivered", "reply_delivered"),
    ("waiting", "waiting", "reply_waiting"), (False, "failed", "reply_not_delivered"),
    (RuntimeError("down"), "failed", "reply_not_delivered"),
])
async def test_every_staff_message_stores_how_far_it_got(queue, answer, state, key):  # noqa: F811
    """Issue 19.3 in the one place messages leave (StaffActions._send): a reply
    and the closing message each keep their delivery state on the timeline."""
    actions = Effects(delivered=answer).actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    replied = await actions.reply(ref, WEST, "Zullen we donderdag wandelen?")
    closed = await actions.close(ref, WEST, note="Afspraak do", message="Tot donderdag!")
    assert (replied.key, replied.delivery, closed.delivery) == (key, state, state)
    assert [(n.kind, n.delivery) for n in queue.show(ref).notes] == [
        ("reply", state), ("closing", None), ("reply", state)]


async def test_a_closing_message_in_live_chat_also_says_the_assistant_is_back(queue):  # noqa: F811
    effects = Effects()
    actions = effects.actions(queue)
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    await actions.start_live(ref, WEST)
    await actions.close(ref, WEST, message="Tot donderdag!")
    last = effects.relays[-1].text
    assert "Tot donderdag!" in last and "weer met mij, de assistent" in last


async def test_reopen_within_the_set_time_only(queue):  # noqa: F811
    actions = StaffActions(queue, reopen_within=timedelta(days=7))
    ref = new_request(queue).reference
    await actions.claim(ref, WEST)
    await actions.contact(ref, WEST, "gebeld")
    await actions.close(ref, WEST)
    with pytest.raises(NotAllowed):
        await actions.reopen(ref, WEST2)  # not theirs
    queue.test_clock.advance(days=6)
    reopened = await actions.reopen(ref, WEST)
    assert (reopened.key, reopened.status, reopened.owner) == ("reopened", "in_contact", "ow-west")
    assert queue.get(ref).closed_at is None
    await actions.close(ref, WEST)
    queue.test_clock.advance(days=8)
    with pytest.raises(NotAllowed) as refused:
        await actions.reopen(ref, COORD)
    assert refused.value.details["reopen_expired"]
    assert [e.action for e in queue.show(ref).events].count("reopened") == 1


async def test_a_withdrawn_request_cannot_be_reopened(queue):  # noqa: F811
    actions = StaffActions(queue)
    ref = new_request(queue).reference
    queue.cancel(ref, "te-resident-1")
    with pytest.raises(NotAllowed):
        await actions.reopen(ref, COORD)


def test_reopen_window_and_who_may_act():
    view = SimpleNamespace(status="afgerond", closed_at=datetime(2026, 3, 2, 9), anonymised_at=None,
                           assigned_to="ow-west")
    week = timedelta(days=7)
    assert reopen_until(view, week) == datetime(2026, 3, 9, 9)
    assert can_reopen(view, WEST, week, datetime(2026, 3, 9, 8))
    assert not can_reopen(view, WEST, week, datetime(2026, 3, 9, 10))
    assert not can_reopen(view, WEST2, week, datetime(2026, 3, 3))
    assert can_reopen(view, COORD, week, datetime(2026, 3, 3))
    assert reopen_until(view, timedelta(0)) is None  # ONTMOET_HANDOFF_REOPEN_DAYS=0: never
    claimed = SimpleNamespace(status="opgepakt", assigned_to="ow-west")
    assert can_act(claimed, WEST) and can_act(claimed, COORD) and not can_act(claimed, WEST2)


# -- issue 19.4: phone-first work --------------------------------------------------------------
async def test_contact_attempts_on_the_timeline(queue):  # noqa: F811
    actions = StaffActions(queue)
    ref = new_request(queue, contact_method="telefoon", contact_phone="0612345678",
                      channel_address=None).reference
    await actions.claim(ref, WEST)
    missed = await actions.contact(ref, WEST, "niet_bereikt")
    assert (missed.key, missed.status) == ("contact_niet_bereikt", "opgepakt")
    assert queue.get(ref).in_contact_at is None  # not reached is no contact
    called = await actions.contact(ref, WEST, "gebeld")
    assert called.status == "in_contact" and queue.get(ref).in_contact_at is not None
    await actions.contact(ref, WEST, "afspraak", "Donderdag 14 uur bij het gemeenschapshuis")
    detail = queue.show(ref)
    assert [e.action for e in detail.events][-3:] == [
        "contact_niet_bereikt", "contact_gebeld", "contact_afspraak"]
    assert [n.text for n in detail.notes] == ["Donderdag 14 uur bij het gemeenschapshuis"]
    with pytest.raises(NotAllowed):
        await actions.contact(ref, WEST2, "gebeld")
    with pytest.raises(InvalidInput):
        await actions.contact(ref, WEST, "gezwaaid")


def test_the_promised_time_comes_from_the_settings():
    assert promised_hours(Settings(handoff_expected_time="binnen 24 uur")) == 24
    assert promised_hours(Settings(handoff_expected_time="binnen 1,5 uur")) == 1.5
    # no hours in the promise: the escalation setting is the measure
    assert promised_hours(Settings(handoff_expected_time="binnen 2 werkdagen",
                                   handoff_escalate_after_hours=36)) == 36
    assert promised_hours(Settings(handoff_expected_time="")) == 48


def test_the_response_clock_marks_what_is_overdue(queue):  # noqa: F811
    view = new_request(queue)
    start = view.created_at
    fresh = response_clock(view, 24, start + timedelta(hours=3))
    assert not fresh.overdue and fresh.age_text == "3 uur" and fresh.promised_text == "24 uur"
    late = response_clock(view, 24, start + timedelta(hours=30))
    assert late.overdue and late.age_text == "30 uur" and not late.escalated
    queue.claim(view.reference, WEST)
    queue.test_clock.advance(hours=5)
    answered = queue.reply(view.reference, WEST, "Ik bel u").request
    done = response_clock(answered, 24, start + timedelta(hours=30))
    assert not done.overdue and done.contact_text == "5 uur"
    assert hours_text(0.2) == "minder dan 1 uur" and hours_text(48) == "48 uur"
    assert hours_text(80) == "3 dagen en 8 uur" and hours_text(72) == "3 dagen"


# -- issue 19.7: the CLI's messages go through the service ---------------------------------------
async def service_reaching_the_resident(queue, tmp_path, telegram_sender):  # noqa: F811
    """A service runtime whose directory reaches te-resident-1 on Telegram."""
    from bot.channels.stores import ResidentAddress, ResidentDirectory
    from bot.handoff.runtime import HandoffRuntime
    from tests.fakes.notifier import RecordingNotifier

    service = HandoffRuntime(Settings(var_dir=tmp_path), queue=queue,
                             notifier=RecordingNotifier())
    service.directory = ResidentDirectory()
    service.directory.register_sender("telegram", telegram_sender)
    await service.directory.remember("te-resident-1", ResidentAddress("telegram", "555001"))
    return service


async def test_a_reply_without_a_channel_is_delivered_by_the_service(queue, tmp_path):  # noqa: F811
    ref = new_request(queue).reference
    cli_side = StaffActions(queue)
    await cli_side.claim(ref, WEST)
    queued = await cli_side.reply(ref, WEST, "Ik kom donderdag langs")
    assert (queued.key, queued.delivery) == ("reply_queued", None)
    await cli_side.close(ref, WEST, message="Tot donderdag")
    assert [n.delivery for n in queue.show(ref).notes] == [None, None]  # not sent yet

    sent = []

    async def telegram_sender(pseudonym, address, text):
        sent.append(text)
        return True

    service = await service_reaching_the_resident(queue, tmp_path, telegram_sender)
    assert await service.deliver_pending() == 2
    assert [t.splitlines()[-1] for t in sent] == ["Ik kom donderdag langs", "Tot donderdag"]
    assert await service.deliver_pending() == 0  # each message once
    # the reply and the closing message carry their honest state (issue 19.3)
    assert [n.delivery for n in queue.show(ref).notes] == ["delivered", "delivered"]


async def test_an_undeliverable_stored_message_is_told_to_the_opbouwwerker(queue, tmp_path):  # noqa: F811
    from bot.channels.stores import ResidentDirectory
    from bot.handoff.runtime import HandoffRuntime
    from tests.fakes.notifier import RecordingNotifier

    ref = new_request(queue, channel_address=None).reference
    await StaffActions(queue).claim(ref, WEST)
    await StaffActions(queue).reply(ref, WEST, "Hallo")
    notifier = RecordingNotifier()
    service = HandoffRuntime(Settings(var_dir=tmp_path, staff_file=write_roster(
        tmp_path / "staff.yml")), queue=queue, notifier=notifier)
    service.directory = ResidentDirectory()  # does not know the resident
    assert await service.deliver_pending() == 0
    assert [(who, ref in text) for who, text in notifier.sent] == [("ow-west", True)]
    assert [n.delivery for n in queue.show(ref).notes] == ["failed"]


async def test_the_services_loop_delivers_what_the_cli_stored(queue, tmp_path):  # noqa: F811
    """The round the service runs every few seconds includes the outbox."""
    ref = new_request(queue).reference
    await StaffActions(queue).claim(ref, WEST)
    await StaffActions(queue).reply(ref, WEST, "Tot morgen")
    arrived = asyncio.Event()

    async def telegram_sender(pseudonym, address, text):
        arrived.set()
        return True

    service = await service_reaching_the_resident(queue, tmp_path, telegram_sender)
    loop = asyncio.create_task(service.escalation_loop(announce_every_seconds=0.01))
    try:
        await asyncio.wait_for(arrived.wait(), timeout=60)  # a guard, not a measurement
    finally:
        loop.cancel()
    assert queue.take_pending_deliveries() == []
