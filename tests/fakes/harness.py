"""Test harness for the channels: a scripted stand-in for the Rasa Agent and a
real Sanic server (port 0) with channels registered the way Rasa does it."""
from __future__ import annotations

import json
import socket
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Dict, List

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(channel: str, name: str) -> Dict[str, Any]:
    return json.loads((FIXTURES / channel / f"{name}.json").read_text(encoding="utf-8"))


class ScriptedAgent:
    """Answers like the assistant would, without a trained model.

    "hallo" -> a question with a "deel mijn locatie" button and a handoff
    button; a shared location -> a place nearby (a demo venue with verified
    coordinates); "/request_handoff" -> a stored toeleiding request."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.toeleiding_requests: List[Dict[str, Any]] = []
        self.fail_on: set = set()

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if message.text in self.fail_on:
            raise RuntimeError("scripted failure")
        for reply in self.replies(message):
            await message.output_channel.send_response(message.sender_id, reply)

    def replies(self, message: UserMessage) -> List[Dict[str, Any]]:
        text = message.text or ""
        if text.startswith("/inform_location"):
            entities = json.loads(text[len("/inform_location"):])
            return [
                {"text": f"Dichtbij ({entities['lat']}, {entities['lon']}) vond ik deze plek."},
                {"custom": {"venue": {
                    "name": "Huiskamer Voorbeeld", "address": "Voorbeeldstraat 1, Maastricht",
                    "latitude": 50.8514, "longitude": 5.6910,
                    "coordinates_verified": True, "demo": True, "source": "demo",
                }}},
                {"text": "Wilt u hulp van een opbouwwerker?",
                 "buttons": [{"title": "Ja, graag", "payload": "/request_handoff"},
                             {"title": "Nee, dank u", "payload": "/deny"}]},
            ]
        if text == "/request_handoff":
            self.toeleiding_requests.append({"sender_id": message.sender_id,
                                             "channel": message.input_channel})
            return [
                {"text": "Uw vraag is doorgegeven aan een opbouwwerker. U hoort binnen 2 werkdagen van ons."}
            ]
        if text.lower() == "vertel alles":
            return [{"text": "Er is veel te doen in de buurt. " * 300,  # > 4096 characters
                     "buttons": [{"title": "Dank u", "payload": "/thankyou"}]}]
        if text.lower() == "hallo":
            return [{"text": "Hallo! Ik help u een plek te vinden om mensen te ontmoeten. Waar bent u?",
                     "buttons": [{"title": "Deel mijn locatie", "payload": "/share_location"},
                                 {"title": "Ik wil een mens spreken", "payload": "/request_handoff"}]}]
        return [{"text": f"U zei: {text}"}]


@asynccontextmanager
async def sanic_server(channels: List[Any], agent: ScriptedAgent):
    """A real Sanic server on 127.0.0.1:<free port> with the channels' blueprints
    under /webhooks/ (rasa.core.channels.channel.register, as Rasa does)."""
    # Several apps in one process: Sanic 21.12 needs test mode for that.
    Sanic.test_mode = True
    app = Sanic(f"test_{uuid.uuid4().hex[:12]}")
    app.config.ACCESS_LOG = False
    register(channels, app, route="/webhooks/")
    app.ctx.agent = agent
    # Sanic reads port=0 as its default 8000 (a clash between parallel runs); a socket
    # bound by the OS to a free port cannot clash.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()
