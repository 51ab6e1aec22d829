"""Fuzz: thousands of generated messages through the REST / web chat channel layer.

Every message gets a polite reply or a clear refusal; never an exception, a 500
or a stack trace. The count is in docs/SECURITY.md. A smaller run goes through
the real trained model in test_fuzz_service (marked `model`).
"""
import json

from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.rest import ResidentRestInput
from ontmoet_core.config import load_settings
from tests.fuzz import messages

FUZZ_COUNT = 3000


class EchoAgent:
    """Stands in for the Agent; records what reaches it that is not safe plain text.

    The REST channel catches every exception of the agent (a resident must get
    a kind reply), so an assert in here would be swallowed: the violations are
    collected and the tests assert on them afterwards."""

    def __init__(self):
        self.seen = 0
        self.violations: list = []

    def check(self, text) -> None:
        if not (isinstance(text, str) and text):
            self.violations.append(("empty or not text", repr(text)[:50]))
            return
        if text.startswith("/"):
            self.violations.append(("Rasa syntax reached the NLU", text[:50]))
        if len(text) > 2000:
            self.violations.append(("longer than the limit", len(text)))
        if "\x00" in text or "\u202e" in text:
            self.violations.append(("control character", text[:50]))

    async def __call__(self, message):
        self.seen += 1
        self.check(message.text)
        await message.output_channel.send_text_message(message.sender_id, "ok")


async def test_fuzzed_messages_always_get_a_reply_or_a_clear_refusal(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    channel = ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(limit=0))
    agent = EchoAgent()
    outcomes = {}
    for i, text in enumerate(messages(FUZZ_COUNT)):
        raw = json.dumps({"sender": f"fuzz-{i % 97}", "message": text}).encode()
        status, body = await channel.handle(agent, raw)
        outcomes[status] = outcomes.get(status, 0) + 1
        assert status in (200, 400), (status, text[:50])
        if status == 200:
            assert body and all(isinstance(r.get("text"), str) and r["text"] for r in body)
        else:
            assert "error" in body
        assert "Traceback" not in json.dumps(body)
    assert sum(outcomes.values()) == FUZZ_COUNT
    assert outcomes[200] > FUZZ_COUNT * 0.9
    assert agent.seen > FUZZ_COUNT * 0.8
    assert agent.violations == []


async def test_fuzzed_raw_bodies_are_refused_cleanly(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    channel = ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(limit=0))
    agent = EchoAgent()
    for text in messages(1000, seed=7):
        status, body = await channel.handle(agent, text.encode("utf-8", "surrogatepass"))
        assert status in (200, 400)
        assert "Traceback" not in json.dumps(body)
    assert agent.violations == []
