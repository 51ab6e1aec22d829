"""The action-failure watch: a failing custom action is noticed per message."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.exceptions import RasaException

from bot.channels.action_failures import action_failed, watching_actions
from bot.channels.output import MessageOutputChannel
from bot.rasa_compat import install_action_watch


class _Recording(MessageOutputChannel):
    def __init__(self):
        self.sent = []

    async def deliver(self, recipient_id, message):
        self.sent.append(message)


@pytest.fixture
def probed(monkeypatch):
    """RemoteAction.run replaced by a controllable fake, then probed."""
    outcome = {}

    async def fake_run(self, *args, **kwargs):
        if outcome.get("raise"):
            raise outcome["raise"]
        return []

    monkeypatch.setattr(RemoteAction, "run", fake_run)
    install_action_watch()
    return outcome


async def test_a_failing_action_is_recorded_for_this_message_only(probed):
    action = RemoteAction("action_find_places", None)
    probed["raise"] = RasaException("Failed to execute custom action")
    with watching_actions() as failed:
        with pytest.raises(RasaException):
            await action.run(None, None, None, None)
        assert action_failed()
    assert failed == ["action_find_places"]
    assert not action_failed()  # outside the watch


async def test_form_rejections_are_dialogue_not_failures(probed):
    probed["raise"] = ActionExecutionRejection("validate_place_search_form")
    with watching_actions() as failed:
        with pytest.raises(ActionExecutionRejection):
            await RemoteAction("validate_place_search_form", None).run(None, None, None, None)
    assert failed == []


async def test_concurrent_messages_do_not_see_each_others_failures(probed):
    seen = {}

    async def message(name, fail):
        with watching_actions() as failed:
            if fail:
                probed["raise"] = RasaException("down")
                try:
                    await RemoteAction("action_x", None).run(None, None, None, None)
                except RasaException:
                    pass
                probed.pop("raise")
            await asyncio.sleep(0.01)
            seen[name] = list(failed)

    await asyncio.gather(message("a", True), message("b", False))
    assert seen == {"a": ["action_x"], "b": []}


async def _processor_sends(output, *texts):
    """Bot messages sent the way Rasa's processor sends them after an action."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import BotUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("r", slots=[])
    await MessageProcessor._send_bot_messages([BotUttered(t) for t in texts], tracker, output)


async def test_output_is_held_back_after_a_failure(probed):
    output = _Recording()
    with watching_actions():
        await _processor_sends(output, "Hier is iets")
        probed["raise"] = RasaException("down")
        with pytest.raises(RasaException):
            await RemoteAction("action_x", None).run(None, None, None, None)
        await _processor_sends(output, "Sorry, dat begreep ik niet")
    assert [m["text"] for m in output.sent] == ["Hier is iets"]


async def test_the_telegram_and_whatsapp_outputs_hold_back_on_rasas_path(probed):
    from bot.channels.telegram.channel import TelegramOutput
    from bot.channels.whatsapp.channel import WhatsAppOutput

    for cls in (TelegramOutput, WhatsAppOutput):
        delivered = []

        class Output(cls):
            def __init__(self, delivered=delivered):
                self.delivered = delivered

            async def deliver(self, recipient_id, message):
                self.delivered.append(message["text"])

        with watching_actions():
            probed["raise"] = RasaException("down")
            with pytest.raises(RasaException):
                await RemoteAction("action_x", None).run(None, None, None, None)
            await _processor_sends(Output(), "Sorry, dat begreep ik niet")
        await _processor_sends(Output(), "Hallo")  # outside a failed message: sent
        assert delivered == ["Hallo"], cls.__name__
