"""An accompanied first visit (issue 18.2): the plain logic (bot/handoff/visit.py,
the form's rules), the queue steps, the staff actions through the dashboard,
Telegram and the CLI, the resident's ja/nee in the channel layer, and the
reminder the day before through bot/reminders."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from types import SimpleNamespace

import pytest

from bot.handoff import cli, form, visit
from bot.handoff.models import VISIT_ASKED, VISIT_CONFIRMED, VISIT_PROPOSED
from bot.handoff.promises import promises_from
from bot.handoff.queue import InvalidInput, NotAllowed
from bot.handoff.telegram_staff import TelegramStaffCommands
from bot.reminders.models import VISIT
from bot.reminders.store import ReminderStore
from bot.staff.actions import StaffActions
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
from tests.test_staff_dashboard import (  # noqa: F401  (fixtures)
    _sanic_test_mode,
    client,
    env,
    hidden,
    login,
)

THURSDAY = datetime(2026, 12, 3, 17, 0)  # naive UTC: Thursday 3 December, 18:00 in Maastricht


# -- the plain logic -------------------------------------------------------------------------
def test_a_moment_is_a_day_read_in_maastricht_time():
    moment = visit.read_moment("donderdagmiddag", THURSDAY)
    # this Thursday's afternoon is over: next week's, 12:00 Dutch time = 11:00 UTC
    assert moment == visit.Moment("donderdagmiddag", datetime(2026, 12, 10, 11, 0))
    assert visit.moment_words(moment.text, moment.start) == \
        "donderdagmiddag (donderdag 10 december)"
    assert visit.moment_words("10 december", datetime(2026, 12, 9, 23, 0)) == \
        "donderdag 10 december"
    # no day to go on: asked again
    assert visit.read_moment("volgende week", THURSDAY) is None
    assert visit.read_moment("als het mooi weer is", THURSDAY) is None


def test_the_reminder_is_the_day_before_at_ten_dutch_time_summer_and_winter():
    winter = visit.read_moment("10 december", THURSDAY).start
    assert visit.reminder_at(winter) == datetime(2026, 12, 9, 9, 0)  # 10:00 CET
    summer = datetime(2026, 7, 9, 12, 0)
    assert visit.reminder_at(summer) == datetime(2026, 7, 8, 8, 0)  # 10:00 CEST
    assert visit.will_remind(winter, THURSDAY)
    assert not visit.will_remind(winter, datetime(2026, 12, 9, 12, 0))
    assert visit.reminder_at(None) is None


def test_place_buttons_real_records_before_demo_ones():
    place = SimpleNamespace
    found = [place(key="demo-1", name="Voorbeeld-huiskamer", is_demo=True),
             place(key="ruweel", name="Gemeenschapshuis 't Ruweel", is_demo=False),
             place(key="ruweel", name="Gemeenschapshuis 't Ruweel", is_demo=False)]
    assert visit.place_choices(found) == [
        visit.PlaceChoice("ruweel", "Gemeenschapshuis 't Ruweel", False),
        visit.PlaceChoice("demo-1", "Voorbeeld-huiskamer", True)]
    assert visit.place_from_choice("bezoek:ruweel") == "ruweel"
    assert visit.place_from_choice(visit.NO_PLACE) == "nee"
    assert visit.place_from_choice("ochtend") is None


def test_the_form_asks_about_a_visit_only_where_it_is_offered():
    slots = ["handoff_consent", "handoff_contact_method", "handoff_phone", "handoff_buurt",
             "handoff_reason", "preferred_language", "handoff_best_moment", *form.VISIT_SLOTS,
             "handoff_confirm"]
    off = form.required_slots(slots, True, "chat")
    assert not set(form.VISIT_SLOTS) & set(off)
    on = form.required_slots(slots, True, "chat", visit_offered=True)
    assert on[-4:] == [*form.VISIT_SLOTS, "handoff_confirm"]
    after_no = form.required_slots(slots, True, "chat", visit_offered=True, visit="nee")
    assert "handoff_visit" in after_no and "handoff_visit_place" not in after_no


def test_offered_only_when_switched_on_and_not_in_a_trial():
    on = Settings(handoff_accompany=True)
    assert promises_from(on, roster_demo=False).offers_visit("toeleiding")
    assert promises_from(on, roster_demo=False).offers_visit("eenzaamheid")
    assert not promises_from(on, roster_demo=False).offers_visit("subsidie_aanvraag")
    assert not promises_from(on, roster_demo=True).offers_visit("toeleiding")
    assert not promises_from(Settings(), roster_demo=False).offers_visit("toeleiding")


def test_the_forms_answers():
    assert form.check_visit(form.visit_answer("affirm", "")["handoff_visit"]).slots == \
        {"handoff_visit": "ja"}
    assert form.check_visit("?").response == "utter_handoff_visit_unclear"
    resolve = {"t ruweel": "ruweel"}.get
    assert form.visit_place_answer("bezoek:ruweel", "", resolve) == \
        {"handoff_visit_place": "ruweel"}
    assert form.visit_place_answer(None, "t ruweel", resolve) == {"handoff_visit_place": "ruweel"}
    assert form.visit_place_answer(None, "weet niet", resolve) == {"handoff_visit_place": "nee"}
    unknown = form.visit_place_answer(None, "het maanhuis", resolve)["handoff_visit_place"]
    assert form.check_visit_place(unknown).response == "utter_handoff_visit_place_unknown"
    assert form.visit_moment_answer("moment:morgenmiddag", "Morgenmiddag") == \
        {"handoff_visit_moment": "morgenmiddag"}
    assert form.check_visit_moment("vrijdag om 14 uur", THURSDAY).slots == \
        {"handoff_visit_moment": "vrijdag om 14 uur"}
    assert form.check_visit_moment("ooit", THURSDAY).response == \
        "utter_handoff_visit_moment_unclear"
    # "Bezoek aanpassen" on the summary asks the three questions again
    assert form.check_confirm("fix_visit").slots == {"handoff_confirm": None, **{
        slot: None for slot in form.VISIT_SLOTS}}


def test_request_fields_only_real_places_and_demo_marked():
    places = {"ruweel": visit.PlaceChoice("ruweel", "Gemeenschapshuis 't Ruweel", False),
              "demo-1": visit.PlaceChoice("demo-1", "Voorbeeld-huiskamer", True)}
    fields = visit.request_fields("ja", "demo-1", "morgenmiddag", places.get, THURSDAY)
    assert fields == dict(visit_moment="morgenmiddag", visit_start=datetime(2026, 12, 4, 11, 0),
                          visit_place_key="demo-1", visit_place="Voorbeeld-huiskamer",
                          visit_place_demo=True)
    # a place key that is not in knowledge/ is not stored as a place
    assert "visit_place" not in visit.request_fields("ja", "verzonnen", "morgen", places.get)
    assert visit.request_fields("nee", "ruweel", "morgen", places.get) == {}


# -- the queue -------------------------------------------------------------------------------
def _visit_request(queue, **kwargs):  # noqa: F811
    values = dict(visit_moment="donderdagmiddag", visit_start=datetime(2026, 3, 5, 11, 0),
                  visit_place_key="ruweel", visit_place="Gemeenschapshuis 't Ruweel")
    values.update(kwargs)
    return new_request(queue, **values)


def test_the_visit_is_stored_with_the_request(queue):  # noqa: F811
    view = _visit_request(queue)
    assert (view.visit_status, view.visit_place, view.visit_moment, view.visit_place_demo) == (
        VISIT_ASKED, "Gemeenschapshuis 't Ruweel", "donderdagmiddag", False)
    assert new_request(queue, resident_key="te-2").visit_status is None
    assert queue.visits() == [view]


def test_propose_then_the_resident_says_ja(queue):  # noqa: F811
    ref = _visit_request(queue).reference
    queue.claim(ref, WEST)
    with pytest.raises(InvalidInput):
        queue.propose_visit(ref, WEST, "als het mooi weer is")
    with pytest.raises(NotAllowed):  # not theirs
        queue.propose_visit(ref, WEST2, "vrijdagmiddag")
    result = queue.propose_visit(ref, WEST, "vrijdagmiddag")
    assert result.request.visit_status == VISIT_PROPOSED
    assert result.request.status == "in_contact"
    # queue clock: Monday 2 March 2026; Friday 6 March, 12:00 CET
    assert result.request.visit_start == datetime(2026, 3, 6, 11, 0)
    assert "vrijdagmiddag (vrijdag 6 maart)" in result.relay.text
    assert "Antwoord met ja of nee" in result.relay.text
    # someone else cannot answer, and nothing is answered twice
    assert queue.answer_visit(ref, "someone-else", True, "ja") is None
    agreed = queue.answer_visit(ref, "te-resident-1", True, "Ja graag")
    assert agreed.visit_status == VISIT_CONFIRMED
    assert queue.answer_visit(ref, "te-resident-1", True, "ja") is None
    detail = queue.show(ref)
    actions = [e.action for e in detail.events]
    assert actions.index("visit_proposed") < actions.index("visit_accepted")
    assert detail.notes[-1].text == "Ja graag"


def test_nee_asks_the_opbouwwerker_again_and_confirm_agrees(queue):  # noqa: F811
    ref = _visit_request(queue).reference
    queue.claim(ref, WEST)
    queue.propose_visit(ref, WEST, "vrijdagmiddag")
    assert queue.answer_visit(ref, "te-resident-1", False, "nee").visit_status == VISIT_ASKED
    confirmed = queue.confirm_visit(ref, WEST)
    assert confirmed.request.visit_status == VISIT_CONFIRMED
    assert "Ik ga graag met u mee naar Gemeenschapshuis 't Ruweel" in confirmed.relay.text
    assert "herinnering" in confirmed.relay.text
    with pytest.raises(NotAllowed) as refused:  # already agreed
        queue.confirm_visit(ref, WEST)
    assert refused.value.details["visit"] == VISIT_CONFIRMED
    # a request without a visit has nothing to confirm
    other = new_request(queue, resident_key="te-2").reference
    queue.claim(other, WEST)
    with pytest.raises(NotAllowed):
        queue.confirm_visit(other, WEST)


def test_a_demo_place_is_said_to_be_one(queue):  # noqa: F811
    ref = _visit_request(queue, visit_place="Voorbeeld-huiskamer", visit_place_key="demo-1",
                         visit_place_demo=True).reference
    queue.claim(ref, WEST)
    assert "bestaat niet echt" in queue.confirm_visit(ref, WEST).relay.text


def test_erasing_the_residents_data_removes_the_moment(queue):  # noqa: F811
    ref = _visit_request(queue).reference
    queue.delete_resident_data("te-resident-1")
    view = queue.get(ref)
    assert (view.visit_moment, view.visit_start) == (None, None)


# -- the staff actions and the reminder ------------------------------------------------------
async def test_confirm_delivers_and_schedules_the_reminder_the_day_before(queue):  # noqa: F811
    relays = []

    async def deliver(relay):
        relays.append(relay)
        return True

    actions = StaffActions(queue, deliver=deliver)
    ref = _visit_request(queue).reference
    await actions.claim(ref, WEST)
    outcome = await actions.confirm_visit(ref, WEST)
    assert (outcome.key, outcome.delivery) == ("visit_confirmed", "delivered")
    assert "Ik ga graag met u mee" in relays[-1].text
    assert queue.show(ref).notes[-1].delivery == "delivered"
    store = ReminderStore(queue.engine, clock=queue.now)
    [reminder] = store.upcoming("te-resident-1")
    assert (reminder.kind, reminder.subject, reminder.channel) == (VISIT, ref, "telegram")
    # Thursday 5 March 12:00 CET -> Wednesday 4 March 10:00 CET
    assert (reminder.due_at, reminder.event_at) == (datetime(2026, 3, 4, 9, 0),
                                                    datetime(2026, 3, 5, 11, 0))
    assert "Gemeenschapshuis 't Ruweel" in reminder.params["moment"]

    # another moment agreed: the reminder moves, it is not doubled
    proposed = await actions.propose_visit(ref, WEST, "vrijdagmiddag")
    assert proposed.key == "visit_proposed"
    assert queue.answer_visit(ref, "te-resident-1", True, "ja") is not None
    from bot.handoff.visit import remind_before_visit

    remind_before_visit(store, queue.get(ref))
    [moved] = store.upcoming("te-resident-1")
    assert moved.event_at == datetime(2026, 3, 6, 11, 0)


async def test_without_a_channel_the_service_delivers_it(queue):  # noqa: F811
    ref = _visit_request(queue).reference
    actions = StaffActions(queue)  # the CLI's
    await actions.claim(ref, WEST)
    outcome = await actions.propose_visit(ref, WEST, "vrijdagmiddag")
    assert (outcome.key, outcome.delivery) == ("visit_proposed_queued", None)
    [relay] = queue.take_pending_deliveries()
    assert "Kan het ook vrijdagmiddag" in relay.text


# -- the three interfaces: one module --------------------------------------------------------
async def test_dashboard_telegram_and_cli_all_reach_the_same_visit_actions(
        queue, env, tmp_path, monkeypatch):  # noqa: F811
    calls = []
    original_propose, original_confirm = StaffActions.propose_visit, StaffActions.confirm_visit

    async def propose(self, reference, staff, moment):
        calls.append(("propose", staff.username))
        return await original_propose(self, reference, staff, moment)

    async def confirm(self, reference, staff):
        calls.append(("confirm", staff.username))
        return await original_confirm(self, reference, staff)

    monkeypatch.setattr(StaffActions, "propose_visit", propose)
    monkeypatch.setattr(StaffActions, "confirm_visit", confirm)
    app, queue_, _, relays = env
    refs = [_visit_request(queue_, resident_key=f"te-{i}").reference for i in range(3)]
    for ref in refs:
        queue_.claim(ref, WEST)

    # Telegram
    commands = TelegramStaffCommands(StaffActions(queue_), roster())
    reply = await commands.handle(WEST.telegram_user_id, "private",
                                  f"/andermoment {refs[0]} vrijdagmiddag")
    assert "Ander moment" in reply.texts[0] and "vrijdagmiddag" in reply.texts[0]
    bad = await commands.handle(WEST.telegram_user_id, "private", f"/andermoment {refs[0]} ooit")
    assert "begrijp ik niet" in bad.texts[0]
    reply = await commands.handle(WEST.telegram_user_id, "private", f"/bevestigbezoek {refs[0]}")
    assert "bevestigd" in reply.texts[0]
    again = await commands.handle(WEST.telegram_user_id, "private", f"/bevestigbezoek {refs[0]}")
    assert "kan nu niet" in again.texts[0]
    listing = await commands.handle(WEST.telegram_user_id, "private", "/wachtrij")
    assert "eerste bezoek: bevestigd" in listing.texts[0]

    # the dashboard: list badge, detail, propose (a bad moment says so), confirm
    async with await client(app) as c:
        await login(c, "ow-west")
        listing = await c.get("/staff/")
        assert "eerste bezoek: gevraagd" in listing.text
        page = await c.get(f"/staff/r/{refs[1]}")
        assert 'id="visit-confirm"' in page.text and "Gemeenschapshuis" in page.text
        token = hidden(page.text)
        bad = await c.post(f"/staff/r/{refs[1]}/visit_propose",
                           data={"csrf_token": token, "text": "ooit"})
        assert "m=visit_bad_moment" in bad.headers["location"]
        done = await c.post(f"/staff/r/{refs[1]}/visit_propose",
                            data={"csrf_token": token, "text": "vrijdagmiddag"})
        assert "m=visit_proposed" in done.headers["location"]
        shown = await c.get(done.headers["location"])
        assert "Ander moment voorgesteld" in shown.text
        assert "Ander moment voor het eerste bezoek voorgesteld" in shown.text  # the timeline
        confirmed = await c.post(f"/staff/r/{refs[1]}/visit_confirm",
                                 data={"csrf_token": token})
        assert "m=visit_confirmed" in confirmed.headers["location"]
    assert any("Kan het ook vrijdagmiddag" in getattr(r, "text", "") for r in relays)

    # the CLI
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "cli-staff.yml"))
    monkeypatch.setenv("ONTMOET_DATABASE_URL", str(queue_.engine.url))
    monkeypatch.setenv("ONTMOET_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ONTMOET_STAFF_FILE", str(settings.staff_file))
    assert await asyncio.to_thread(cli.main, ["queue", "visit", refs[2], "voorstel", "ooit",
                                              "--as", "ow-west"]) == cli.EXIT_USAGE
    assert await asyncio.to_thread(cli.main, ["queue", "visit", refs[2], "voorstel",
                                              "vrijdagmiddag", "--as", "ow-west"]) == 0
    assert await asyncio.to_thread(cli.main, ["queue", "visit", refs[2], "bevestig",
                                              "--as", "ow-west"]) == 0

    assert calls == [("propose", "ow-west"), ("propose", "ow-west"), ("confirm", "ow-west"),
                     ("confirm", "ow-west"), ("propose", "ow-west"), ("propose", "ow-west"),
                     ("confirm", "ow-west"), ("propose", "ow-west"), ("propose", "ow-west"),
                     ("confirm", "ow-west")]
    assert {ref: queue_.get(ref).visit_status for ref in refs} == {
        ref: VISIT_CONFIRMED for ref in refs}


def test_queue_show_tells_the_visit(queue, tmp_path, monkeypatch, capsys):  # noqa: F811
    ref = _visit_request(queue).reference
    monkeypatch.setenv("ONTMOET_DATABASE_URL", str(queue.engine.url))
    monkeypatch.setenv("ONTMOET_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ONTMOET_STAFF_FILE", str(write_roster(tmp_path / "staff.yml")))
    assert cli.main(["queue", "show", ref]) == 0
    out = capsys.readouterr().out
    assert "Eerste bezoek samen: Gemeenschapshuis 't Ruweel, donderdagmiddag (donderdag 5 maart)" \
           " (gevraagd, nog bevestigen)" in out
    assert cli.main(["queue", "show", ref, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["request"]
    assert (data["visit_status"], data["visit_place"]) == ("gevraagd", "Gemeenschapshuis 't Ruweel")
    assert data["visit_start"] == "2026-03-05T12:00:00+01:00"


# -- the resident's ja / nee, in the channel layer -------------------------------------------
class _Runtime:
    """What bot/channels/live.py uses of the HandoffRuntime."""

    def __init__(self, queue):  # noqa: F811
        from bot.handoff.runtime import AsyncQueue
        from tests.fakes.notifier import RecordingNotifier

        self.queue = queue
        self.queue_async = AsyncQueue(queue)
        self.settings = Settings(handoff_followup_days=14)
        self.notifier = RecordingNotifier()
        self.telegram = TelegramStaffCommands(StaffActions(queue), roster())
        self.agent = None

    def roster(self):
        return roster()


@pytest.mark.parametrize("text, status, said", [
    ("Ja graag", VISIT_CONFIRMED, "Het is afgesproken"),
    ("nee", VISIT_ASKED, "stelt een ander moment voor"),
])
async def test_the_residents_answer_to_a_proposed_moment(queue, text, status, said):  # noqa: F811
    from bot.channels.live import LiveContact

    ref = _visit_request(queue).reference
    queue.claim(ref, WEST)
    await StaffActions(queue).propose_visit(ref, WEST, "vrijdagmiddag")
    runtime = _Runtime(queue)
    screened = await LiveContact(runtime).screen("te-resident-1", text)
    assert screened.handled and said in screened.replies[0], screened
    assert queue.get(ref).visit_status == status
    assert queue.show(ref).notes[-1].text == text
    [(who, told)] = runtime.notifier.sent
    assert who == "ow-west" and ref in told and "tegen het voorgestelde moment" in told
    reminders = ReminderStore(queue.engine, clock=queue.now).upcoming("te-resident-1")
    assert len(reminders) == (1 if status == VISIT_CONFIRMED else 0)


async def test_a_crisis_is_never_read_as_nee(queue):  # noqa: F811
    from bot.channels.live import LiveContact

    ref = _visit_request(queue).reference
    queue.claim(ref, WEST)
    await StaffActions(queue).propose_visit(ref, WEST, "vrijdagmiddag")
    runtime = _Runtime(queue)
    assert await LiveContact(runtime).answer_visit("te-resident-1", "nee ik wil dood",
                                                   queue.get(ref)) is None
    assert queue.get(ref).visit_status == VISIT_PROPOSED
