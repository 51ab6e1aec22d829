"""Telegram channel with the real handoff queue: opbouwwerkers' commands in a
private chat, answers relayed to the resident, live contact forwarded."""
from __future__ import annotations

import copy

import httpx

from bot.handoff.runtime import HandoffRuntime
from bot.handoff.telegram_staff import TelegramStaffCommands
from tests.fakes.harness import ScriptedAgent, fixture, sanic_server
from tests.test_channel_telegram_e2e import CHAT, fake_api, make_channel, post  # noqa: F401
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    _sqlite_template,
    new_request,
    queue,
    roster,
    sqlite_url,
)

WEST_ID, STRANGER_ID = 1001, 4242
_ids = iter(range(800000000, 900000000))


def text_from(user_id, text):
    update = copy.deepcopy(fixture("telegram", "update_text"))
    update["update_id"] = next(_ids)
    update["message"]["from"] = {"id": user_id, "is_bot": False, "first_name": "X"}
    update["message"]["chat"] = {"id": user_id, "type": "private", "first_name": "X"}
    update["message"]["text"] = text
    return update


def staff_channel(fake_api, tmp_path, queue, **commands):  # noqa: F811
    """The Telegram channel with a handoff runtime wired as bot/service.py does
    (one ResidentDirectory), and staff commands for the test roster."""
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    runtime = HandoffRuntime(channel.settings, queue=queue)
    runtime.directory = channel.directory
    runtime._telegram = TelegramStaffCommands(runtime.staff_actions(), roster(), **commands)
    channel.runtime = runtime
    return channel, agent


async def test_staff_commands_relays_and_live_contact(fake_api, tmp_path, queue):  # noqa: F811
    channel, agent = staff_channel(fake_api, tmp_path, queue)
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        # A resident talks to the assistant and asks for a person.
        await post(client, base, fixture("telegram", "update_text"))
        resident = agent.messages[0].sender_id
        ref = new_request(queue, resident_key=resident, channel_address=str(CHAT)).reference

        # A stranger typing a queue command gets a refusal, no queue data.
        await post(client, base, text_from(STRANGER_ID, "/wachtrij"))
        assert ref not in " ".join(fake_api.texts_to(STRANGER_ID))

        # The opbouwwerker claims the request and answers the resident.
        await post(client, base, text_from(WEST_ID, f"/oppakken {ref}"))
        assert "opgepakt" in fake_api.texts_to(WEST_ID)[-1]
        await post(client, base, text_from(WEST_ID, f"/antwoord {ref} Tot morgen!"))
        assert fake_api.texts_to(CHAT)[-1].endswith("Tot morgen!")
        # honest: "afgeleverd" only once Telegram took it (issue 19.3)
        assert f"Afgeleverd bij de bewoner van {ref}" in fake_api.texts_to(WEST_ID)[-1]
        assert queue.show(ref).notes[-1].delivery == "delivered"

        # Live contact: the resident's next message goes to the opbouwwerker, not Rasa.
        await post(client, base, text_from(WEST_ID, f"/live {ref}"))
        before = len(agent.messages)
        await post(client, base, text_from(CHAT, "Ik ben om 10 uur thuis"))
        assert len(agent.messages) == before
        # Off by default: Telegram gets the reference and a dashboard link, not the words.
        told = fake_api.texts_to(WEST_ID)[-1]
        assert "Ik ben om 10 uur thuis" not in told and f"/staff/r/{ref}" in told
        assert "Ik ben om 10 uur thuis" in str(queue.show(ref).to_dict())  # in the dashboard

        # Issue 15.1: a crisis message during live contact gets the helplines at
        # once (Rasa is paused, no action would answer) and the opbouwwerker is alerted.
        await post(client, base, text_from(CHAT, "ik wil niet meer leven"))
        assert len(agent.messages) == before
        to_resident = "\n".join(fake_api.texts_to(CHAT)[-2:])
        assert "113" in to_resident and "0800-0113" in to_resident and "112" in to_resident
        assert "opbouwwerker" in fake_api.texts_to(CHAT)[-1]
        alert = fake_api.texts_to(WEST_ID)[-1]
        assert "crisis" in alert and ref in alert and "niet meer leven" not in alert
    # Staff commands never reached the assistant.
    assert all(not m.text.startswith(("/", "wachtrij", "oppakken")) for m in agent.messages)


async def test_live_relay_through_telegram_is_an_operator_setting(fake_api, tmp_path, queue):  # noqa: F811
    """With ONTMOET_TELEGRAM_LIVE_RELAY on, the words go through Telegram and the
    resident is told so when live chat starts."""
    channel, agent = staff_channel(fake_api, tmp_path, queue, live_relay=True)
    queue.live_started_key = "handoff_live_started_telegram"
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("telegram", "update_text"))
        resident = agent.messages[0].sender_id
        ref = new_request(queue, resident_key=resident, channel_address=str(CHAT)).reference
        await post(client, base, text_from(WEST_ID, f"/oppakken {ref}"))
        await post(client, base, text_from(WEST_ID, f"/live {ref}"))
        assert "Telegram" in fake_api.texts_to(CHAT)[-1]
        await post(client, base, text_from(CHAT, "Ik ben om 10 uur thuis"))
        assert "Ik ben om 10 uur thuis" in fake_api.texts_to(WEST_ID)[-1]


async def test_closing_with_care_through_telegram(fake_api, tmp_path, queue):  # noqa: F811
    """Issue 19.5 through the channel: confirm, then close with a note and a last
    message that reaches the resident's chat; then reopen."""
    channel, agent = staff_channel(fake_api, tmp_path, queue)
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("telegram", "update_text"))
        resident = agent.messages[0].sender_id
        ref = new_request(queue, resident_key=resident, channel_address=str(CHAT)).reference
        await post(client, base, text_from(WEST_ID, f"/oppakken {ref}"))
        await post(client, base, text_from(WEST_ID, f"/afronden {ref}"))
        assert f"/afronden {ref} ja" in fake_api.texts_to(WEST_ID)[-1]
        assert queue.get(ref).status == "opgepakt"
        await post(client, base, text_from(
            WEST_ID, f"/afronden {ref} ja Samen gewandeld bericht: Tot volgende week!"))
        assert "afgerond" in fake_api.texts_to(WEST_ID)[-1]
        assert fake_api.texts_to(CHAT)[-1].endswith("Tot volgende week!")
        await post(client, base, text_from(WEST_ID, f"/heropenen {ref}"))
        assert "weer open" in fake_api.texts_to(WEST_ID)[-1]
    assert queue.get(ref).status == "opgepakt"
    assert [n.kind for n in queue.show(ref).notes] == ["closing", "reply"]
