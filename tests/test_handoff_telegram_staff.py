"""Opbouwwerkers' Telegram commands: allowlist, refusal, relays to the resident.

The commands are the staff actions (bot/staff/actions.py): the fixture's
`deliver` and `pause` record what reached the resident and the assistant."""
from __future__ import annotations

import pytest

from bot.channels.stores import ResidentAddress, ResidentDirectory
from bot.handoff.queue import deliver_relay
from bot.handoff.telegram_staff import TelegramStaffCommands, parse_command
from bot.staff.actions import StaffActions
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    _sqlite_template,
    new_request,
    queue,
    roster,
    sqlite_url,
)

WEST_ID, WEST2_ID, NOORD_ID, COORD_ID, STRANGER_ID = 1001, 1003, 1002, 1009, 4242


class Recorder:
    """The side effects of the staff actions: messages delivered, pauses applied."""

    def __init__(self, directory=None):
        self.relays, self.pauses = [], []
        self.directory = directory

    async def deliver(self, relay):
        self.relays.append(relay)
        return True if self.directory is None else await deliver_relay(relay, self.directory)

    async def pause(self, resident_key, paused):
        self.pauses.append((resident_key, paused))
        return True

    def commands(self, queue, **kwargs):
        return TelegramStaffCommands(StaffActions(queue, deliver=self.deliver, pause=self.pause),
                                     roster(), **kwargs)


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def commands(queue, recorder):
    return recorder.commands(queue)


def test_parse_command():
    assert parse_command("/oppakken T-0001") == ("oppakken", "T-0001")
    assert parse_command("/antwoord@OntmoetBot T-1 Hallo\nTweede regel") == (
        "antwoord", "T-1 Hallo\nTweede regel")
    assert parse_command("hallo") is None


@pytest.mark.parametrize("text", ["/wachtrij", "/oppakken T-0001", "/notitie T-0001 x",
                                  "/antwoord T-0001 hallo", "/afronden T-0001",
                                  "/vrijgeven T-0001", "/live T-0001"])
async def test_non_staff_get_only_a_polite_refusal(commands, queue, recorder, text):
    view = new_request(queue)
    reply = await commands.handle(STRANGER_ID, "private", text)
    assert reply.staff is None and recorder.relays == [] and recorder.pauses == []
    assert len(reply.texts) == 1
    said = reply.texts[0]
    assert "alleen voor medewerkers" in said
    for secret in (view.reference, "Mariaberg", "huiskamer", "555001", "nieuw"):
        assert secret not in said
    assert queue.get(view.reference).status == "nieuw"  # nothing happened


async def test_group_chats_are_refused_even_for_staff(commands, queue):
    view = new_request(queue)
    reply = await commands.handle(WEST_ID, "group", "/wachtrij")
    assert view.reference not in reply.texts[0]
    assert "privégesprek" in reply.texts[0]
    assert (await commands.handle(STRANGER_ID, "supergroup", "/wachtrij")).texts[0].startswith("Sorry")


async def test_non_commands_and_resident_commands_go_to_the_assistant(commands):
    assert await commands.handle(STRANGER_ID, "private", "Ik zoek een huiskamer") is None
    assert await commands.handle(STRANGER_ID, "private", "/start") is None
    assert await commands.handle(STRANGER_ID, "private", "/help") is None
    assert "/oppakken" in (await commands.handle(WEST_ID, "private", "/help")).texts[0]


async def test_wachtrij_shows_only_the_werkgebied(commands, queue):
    west = new_request(queue).reference
    wyck = new_request(queue, resident_key="te-2", buurt="Wyck", stadsdeel="Centrum").reference
    text = (await commands.handle(WEST_ID, "private", "/wachtrij")).texts[0]
    assert west in text and wyck not in text
    text = (await commands.handle(NOORD_ID, "private", "/wachtrij")).texts[0]
    assert wyck in text and west not in text
    text = (await commands.handle(COORD_ID, "private", "/wachtrij")).texts[0]
    assert west in text and wyck in text


async def test_claim_note_reply_close(commands, queue, recorder):
    ref = new_request(queue).reference
    claimed = (await commands.handle(WEST_ID, "private", f"/oppakken {ref.lower()}")).texts[0]
    assert "opgepakt" in claimed and "Mariaberg" in claimed and f"/staff/r/{ref}" in claimed
    lost = (await commands.handle(WEST2_ID, "private", f"/oppakken {ref}")).texts[0]
    assert "al opgepakt door Test West" in lost
    noted = await commands.handle(WEST_ID, "private", f"/notitie {ref} Morgen bellen")
    assert "opgeslagen" in noted.texts[0]
    reply = await commands.handle(WEST_ID, "private", f"/antwoord {ref} Goedemiddag! Ik ben Test.")
    assert "Afgeleverd" in reply.texts[0]
    assert len(recorder.relays) == 1
    relay = recorder.relays[0]
    assert relay.channel == "telegram" and relay.resident_key == "te-resident-1"
    assert "Goedemiddag! Ik ben Test." in relay.text
    not_owner = (await commands.handle(WEST2_ID, "private", f"/afronden {ref}")).texts[0]
    assert "Test West" in not_owner
    asked = (await commands.handle(WEST_ID, "private", f"/afronden {ref}")).texts[0]
    assert f"/afronden {ref} ja" in asked and queue.get(ref).status == "in_contact"
    assert "afgerond" in (await commands.handle(WEST_ID, "private", f"/afronden {ref} ja")).texts[0]
    assert queue.get(ref).status == "afgerond"
    events = [(e.actor, e.action) for e in queue.show(ref).events]
    assert ("ow-west", "claimed") in events and ("ow-west", "closed") in events


async def test_release_and_usage_errors(commands, queue):
    ref = new_request(queue).reference
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    assert "wachtrij" in (await commands.handle(WEST_ID, "private", f"/vrijgeven {ref}")).texts[0]
    assert queue.get(ref).status == "nieuw"
    assert "Gebruik" in (await commands.handle(WEST_ID, "private", "/oppakken")).texts[0]
    assert "Gebruik" in (await commands.handle(WEST_ID, "private", f"/antwoord {ref}")).texts[0]
    assert "niet gevonden" in (await commands.handle(WEST_ID, "private", "/oppakken T-9999")).texts[0]
    # Outside the werkgebied looks the same as not existing.
    other = new_request(queue, resident_key="te-9", buurt="Wyck", stadsdeel="Centrum").reference
    assert "niet gevonden" in (await commands.handle(WEST_ID, "private", f"/oppakken {other}")).texts[0]


async def test_antwoord_reaches_the_residents_channel(queue):
    """The relay of /antwoord is delivered by the resident's own channel sender."""
    ref = new_request(queue).reference
    sent = []

    async def telegram_sender(pseudonym, address, text):
        sent.append((address.channel, address.address, text))
        return True

    directory = ResidentDirectory()
    directory.register_sender("telegram", telegram_sender)
    await directory.remember("te-resident-1", ResidentAddress("telegram", "555001"))
    commands = Recorder(directory).commands(queue)
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    reply = await commands.handle(WEST_ID, "private", f"/antwoord {ref} Tot morgen!")
    assert "Afgeleverd" in reply.texts[0]
    assert sent == [("telegram", "555001", f"Bericht van de opbouwwerker (vraag {ref}):\nTot morgen!")]


async def test_relay_after_restart_uses_the_consented_address(queue):
    """The in-memory directory forgot the resident; the stored address is used."""
    ref = new_request(queue).reference
    sent = []

    async def telegram_sender(pseudonym, address, text):
        sent.append(address.address)
        return True

    directory = ResidentDirectory()  # empty: as after a restart
    directory.register_sender("telegram", telegram_sender)
    commands = Recorder(directory).commands(queue)
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    reply = await commands.handle(WEST_ID, "private", f"/antwoord {ref} Hallo")
    assert sent == ["555001"] and "Afgeleverd" in reply.texts[0]


async def test_an_undelivered_answer_is_said_to_the_opbouwwerker(queue):
    ref = new_request(queue).reference
    commands = Recorder(ResidentDirectory()).commands(queue)  # no sender for telegram
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    reply = await commands.handle(WEST_ID, "private", f"/antwoord {ref} Hallo")
    assert "niet bezorgd" in reply.texts[0] and "Afgeleverd" not in reply.texts[0]


async def test_live_chat_commands_and_forwarding(commands, queue, recorder):
    ref = new_request(queue).reference
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    started = await commands.handle(WEST_ID, "private", f"/live {ref}")
    assert "gestart" in started.texts[0]
    assert len(recorder.relays) == 1 and "wacht" in recorder.relays[0].text
    assert recorder.pauses == [("te-resident-1", True)]
    forward = queue.record_resident_message("te-resident-1", "Fijn, ik ben er")
    member, text = commands.forward_for_staff(forward)
    # the operator setting is off by default: the words stay on the server
    assert member.telegram_user_id == WEST_ID and "Fijn, ik ben er" not in text and ref in text
    assert f"/staff/r/{ref}" in text
    relaying = recorder.commands(queue, live_relay=True)
    member, text = relaying.forward_for_staff(forward)
    assert "Fijn, ik ben er" in text and ref in text
    stopped = await commands.handle(WEST_ID, "private", f"/stoplive {ref}")
    assert "gestopt" in stopped.texts[0] and "assistent" in recorder.relays[-1].text
    assert recorder.pauses == [("te-resident-1", True), ("te-resident-1", False)]
    assert queue.live_request("te-resident-1") is None


async def test_telegram_carries_reference_buurt_and_link_only(queue, recorder):
    """Issue 15.3: the reason, the phone number and message texts stay on the server."""
    commands = recorder.commands(queue, dashboard_url="https://ontmoet.example/staff")
    view = new_request(queue, contact_method="telefoon", contact_phone="0612345678",
                       channel_address=None, reason="Ik voel me zo alleen sinds mijn man stierf")
    ref = view.reference
    said = []
    said += (await commands.handle(WEST_ID, "private", f"/oppakken {ref}")).texts
    said += (await commands.handle(WEST_ID, "private", "/wachtrij")).texts
    text = "\n".join(said)
    assert f"https://ontmoet.example/staff/r/{ref}" in text and "Mariaberg" in text
    for secret in ("0612345678", "612345678", "alleen", "man stierf"):
        assert secret not in text


async def test_new_request_notification_has_no_reason_or_phone(queue):
    from bot.handoff.routing import announce_escalations, announce_new_request
    from tests.fakes.notifier import RecordingNotifier

    view = new_request(queue, contact_method="telefoon", contact_phone="0612345678",
                       channel_address=None, reason="Mijn buurman slaat mij")
    notifier = RecordingNotifier()
    await announce_new_request(view, roster(), notifier, "https://ontmoet.example/staff")
    await announce_escalations([view], roster(), notifier, "https://ontmoet.example/staff")
    joined = "\n".join(text for _, text in notifier.sent)
    assert len(notifier.sent) >= 2
    assert f"https://ontmoet.example/staff/r/{view.reference}" in joined
    assert "slaat" not in joined and "612345678" not in joined


def test_the_resident_is_told_when_their_words_go_through_telegram(tmp_path, sqlite_url):  # noqa: F811
    from bot.handoff.runtime import HandoffRuntime
    from ontmoet_core.config import Settings
    from tests.test_handoff_support import WEST

    for relay, says_telegram in ((False, False), (True, True)):
        settings = Settings(var_dir=tmp_path, database_url=sqlite_url,
                            telegram_live_relay=relay)
        queue = HandoffRuntime(settings).queue
        view = new_request(queue, resident_key=f"te-relay-{relay}")
        queue.claim(view.reference, WEST)
        started = queue.set_in_contact(view.reference, WEST, live=True)
        assert ("Telegram" in started.relay.text) is says_telegram
        queue.engine.dispose()


async def test_afronden_asks_first_then_closes_with_note_and_message(commands, queue, recorder):
    ref = new_request(queue).reference
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    asked = (await commands.handle(WEST_ID, "private", f"/afronden {ref}")).texts[0]
    assert f"/afronden {ref} ja" in asked and "14 dagen" in asked
    assert queue.get(ref).status == "opgepakt" and recorder.relays == []
    done = await commands.handle(
        WEST_ID, "private", f"/afronden {ref} ja Samen gewandeld bericht: Tot ziens, mevrouw!")
    assert "afgerond" in done.texts[0]
    assert [n.text for n in queue.show(ref).notes] == ["Samen gewandeld", "Tot ziens, mevrouw!"]
    assert recorder.relays[-1].text.endswith("Tot ziens, mevrouw!")
    assert "weer open" in (await commands.handle(WEST_ID, "private", f"/heropenen {ref}")).texts[0]
    assert queue.get(ref).status == "opgepakt"


async def test_contact_commands(commands, queue):
    ref = new_request(queue).reference
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    assert "niet bereikt" in (await commands.handle(WEST_ID, "private",
                                                    f"/nietbereikt {ref}")).texts[0]
    assert "Gebruik" in (await commands.handle(WEST_ID, "private", f"/afspraak {ref}")).texts[0]
    said = (await commands.handle(WEST_ID, "private", f"/afspraak {ref} Do 14 uur")).texts[0]
    assert "afspraak gemaakt" in said and queue.get(ref).status == "in_contact"
    assert [e.action for e in queue.show(ref).events][-2:] == [
        "contact_niet_bereikt", "contact_afspraak"]
    # the queue list says statuses in plain words
    assert "in contact" in (await commands.handle(WEST_ID, "private", "/wachtrij")).texts[0]


@pytest.mark.parametrize("state, said", [
    ("delivered", "Afgeleverd bij de bewoner"),
    ("waiting", "wacht tot de bewoner weer schrijft"),
    ("failed", "niet bezorgd"),
])
async def test_the_opbouwwerker_hears_how_far_a_message_got(queue, state, said):
    """Issue 19.3: after /antwoord, "afgeleverd", "wacht tot de bewoner weer
    schrijft" or "mislukt", and the state is stored on the reply."""
    async def deliver(relay):
        return state

    commands = TelegramStaffCommands(StaffActions(queue, deliver=deliver), roster())
    ref = new_request(queue).reference
    await commands.handle(WEST_ID, "private", f"/oppakken {ref}")
    reply = await commands.handle(WEST_ID, "private", f"/antwoord {ref} Ik bel u morgen")
    assert said in reply.texts[0]
    assert [n.delivery for n in queue.show(ref).notes] == [state]
