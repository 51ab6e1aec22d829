"""Live contact in the channel layer: relay to the opbouwwerker, answers via the outbox."""
import json

import pytest

from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.live import LiveContact, Outbox, register_outbox
from bot.channels.rest import ResidentRestInput
from bot.channels.stores import ResidentDirectory
from bot.handoff.queue import HandoffQueue, deliver_relay
from bot.handoff.runtime import HandoffRuntime
from ontmoet_core.config import load_settings
from ontmoet_core.db import make_engine, upgrade_database
from tests.fakes.notifier import RecordingNotifier


class Agent:
    def __init__(self):
        self.messages = []

    async def __call__(self, message):
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "assistent")


@pytest.fixture
def setup(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    upgrade_database(settings.database_url_resolved)
    engine = make_engine(settings.database_url_resolved)
    runtime = HandoffRuntime(settings, queue=HandoffQueue(engine), notifier=RecordingNotifier())
    outbox, directory = Outbox(), ResidentDirectory()
    register_outbox(directory, outbox)
    channel = ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(100),
                                live=LiveContact(runtime), outbox=outbox, directory=directory)
    yield channel, runtime, directory
    engine.dispose()


def body(message, sender="resident-1"):
    return json.dumps({"sender": sender, "message": message}).encode()


async def test_live_chat_relays_both_ways_and_the_assistant_stays_quiet(setup):
    channel, runtime, directory = setup
    agent = Agent()
    await channel.handle(agent, body("hallo"))
    pseudonym = agent.messages[0].sender_id
    queue = runtime.queue
    request = queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                   contact_method="chat", reason="iemand om mee te gaan",
                                   buurt="Malberg")
    queue.claim(request.reference, "coordinator")
    queue.set_in_contact(request.reference, "coordinator", live=True)

    status, replies = await channel.handle(agent, body("ben je daar?"))
    assert status == 200 and replies == []
    assert len(agent.messages) == 1, "the assistant does not see live-chat messages"
    timeline = str(queue.show(request.reference).to_dict())
    assert "ben je daar?" in timeline

    result = queue.reply(request.reference, "coordinator", "Ja, ik ben er. Zullen we bellen?")
    assert await deliver_relay(result.relay, directory)
    status, waiting = channel.inbox("resident-1")
    assert len(waiting) == 1 and waiting[0]["text"].endswith("Ja, ik ben er. Zullen we bellen?")
    assert waiting[0]["from"] == "opbouwwerker"
    assert channel.inbox("resident-1") == (200, [])

    queue.end_live(request.reference, "coordinator")
    _, replies = await channel.handle(agent, body("dank je"))
    assert replies[-1]["text"] == "assistent"


async def test_answers_wait_for_the_next_message_too(setup):
    channel, runtime, directory = setup
    agent = Agent()
    await channel.handle(agent, body("hallo", sender="r2"))
    pseudonym = agent.messages[0].sender_id
    await directory.send_to_resident(pseudonym, "Bericht van de opbouwwerker")
    _, replies = await channel.handle(agent, body("nog iets", sender="r2"))
    assert [r["text"] for r in replies] == ["Bericht van de opbouwwerker", "assistent"]


def test_inbox_rejects_bad_senders(setup):
    channel, _, _ = setup
    assert channel.inbox(None)[0] == 400
    assert channel.inbox("x" * 500)[0] == 400
