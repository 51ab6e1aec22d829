"""The REST / web chat channel layer, with a recording stand-in for the Agent."""
import json

import pytest

from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.rest import ResidentRestInput, WebChatInput
from ontmoet_core.config import load_settings


@pytest.fixture
def channel(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    return ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(limit=5))


def body(sender="alice", message="hallo", **extra):
    return json.dumps({"sender": sender, "message": message, **extra}).encode()


class Recorder:
    def __init__(self, reply=None, buttons=None, fail=False):
        self.messages = []
        self.reply, self.buttons, self.fail = reply, buttons, fail

    async def __call__(self, message):
        self.messages.append(message)
        if self.fail:
            raise RuntimeError("agent exploded")
        if self.reply:
            await message.output_channel.send_text_with_buttons(
                message.sender_id, self.reply, self.buttons or []
            ) if self.buttons else await message.output_channel.send_text_message(
                message.sender_id, self.reply
            )


async def test_sender_is_pseudonymised_and_text_cleaned(channel):
    agent = Recorder(reply="Hallo!")
    status, replies = await channel.handle(agent, body(message='/greet{"x": 1}'))
    assert status == 200
    seen = agent.messages[0]
    assert seen.sender_id != "alice" and seen.sender_id.startswith("re-")
    assert seen.text == 'greet{"x": 1}'
    assert replies == [{"recipient_id": "alice", "text": "Hallo!"}]


async def test_button_payloads_leave_as_tokens_and_come_back_as_payloads(channel):
    agent = Recorder(reply="Kies", buttons=[{"title": "Ja", "payload": '/affirm'}])
    _, replies = await channel.handle(agent, body())
    token = replies[0]["buttons"][0]["payload"]
    assert token.startswith("knop:")
    await channel.handle(agent, body(message=token))
    assert agent.messages[-1].text == "/affirm"
    await channel.handle(agent, body(sender="mallory", message=token))
    assert agent.messages[-1].text == token


async def test_no_reply_or_failure_gives_a_kind_message_not_silence(channel):
    _, replies = await channel.handle(Recorder(), body())
    assert "ging iets mis" in replies[0]["text"]
    status, replies = await channel.handle(Recorder(fail=True), body())
    assert status == 200 and "ging iets mis" in replies[0]["text"]
    assert "Traceback" not in json.dumps(replies)


async def test_rate_limit_per_sender(channel):
    agent = Recorder(reply="ok")
    statuses = [(await channel.handle(agent, body()))[0] for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    assert len(agent.messages) == 5
    status, replies = await channel.handle(agent, body())
    assert "veel berichten" in replies[0]["text"]
    assert (await channel.handle(agent, body(sender="bob")))[0] == 200


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[]", b'"x"', b'{"message": "x"}', b'{"sender": ""}',
     json.dumps({"sender": "x" * 500, "message": "hi"}).encode(), b"\xff\xfe", b"a" * 70000],
)
async def test_malformed_bodies_are_rejected_with_400(channel, raw):
    agent = Recorder(reply="ok")
    status, reply = await channel.handle(agent, raw)
    assert status == 400 and "error" in reply
    assert agent.messages == []


async def test_empty_message_is_answered_without_the_agent(channel):
    agent = Recorder(reply="ok")
    status, replies = await channel.handle(agent, body(message="   \u200b "))
    assert status == 200 and "leeg bericht" in replies[0]["text"]
    assert agent.messages == []


def test_webchat_is_a_separate_channel_name():
    assert WebChatInput.name() == "webchat" and ResidentRestInput.name() == "rest"
