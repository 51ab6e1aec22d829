"""A whole resident conversation on each messaging channel, end to end.

The real service (`ontmoet serve`, trained test model) and the real action
server share one var dir. Telegram runs through python-telegram-bot's long
polling against the fake Bot API; WhatsApp through signed webhook POSTs with
replies to the fake Graph API. On each channel a resident says "hallo", shares
a location, gets nearby places, asks for a person and, pressing the buttons the
channel sent (Telegram callback_data, WhatsApp button_reply/list_reply ids),
ends with a toeleiding request stored in the queue and its reference. The
opbouwwerker of the area hears about it in Telegram (the outbox), picks it up
with /oppakken and answers with /antwoord, which reaches the resident's channel.
Then the loop of issue 19: the resident answers the opbouwwerker in plain words,
the answer reaches the timeline and the opbouwwerker, and after /afronden a
message about the request still reaches them instead of starting a new form.
"""
from __future__ import annotations

import copy
import itertools
import json
import re
import time
from typing import Any, Dict, List

import httpx
import pytest
import yaml

from bot.channels.whatsapp.parse import signature_for
from bot.handoff.queue import HandoffQueue
from ontmoet_core.config import load_settings
from tests.conftest import ActionServer, ServiceProcess, require_test_model
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.harness import fixture
from tests.fakes.telegram_api import FakeTelegramApi

pytestmark = pytest.mark.model

APP_SECRET = "app-secret-for-conversations"
RESIDENT_CHAT = 111222333  # the Telegram resident of the fixtures
WA = "31612345678"  # the WhatsApp resident of the fixtures
STAFF_WEST = 7770001  # Telegram user id of the test opbouwwerker for West
STAFF_CENTRUM = 7770002
_ids = itertools.count(900000001)


def _write_staff_file(path):
    path.write_text(yaml.safe_dump({
        "demo": True,
        "source": "test",
        "opbouwwerkers": [
            {"username": "ow-west", "name": "Test West", "telegram_user_id": STAFF_WEST,
             "werkgebied": {"stadsdelen": ["West"]}},
            {"username": "ow-centrum", "name": "Test Centrum", "telegram_user_id": STAFF_CENTRUM,
             "werkgebied": {"stadsdelen": ["Centrum"]}},
        ],
        "coordinators": [{"username": "coord", "name": "Test Coördinator",
                          "telegram_user_id": 7770009}],
    }, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_test_model()
    var_dir = tmp_path_factory.mktemp("conversations")
    staff_file = _write_staff_file(var_dir / "staff.yml")
    actions = ActionServer(var_dir, ONTMOET_STAFF_FILE=str(staff_file))
    telegram, graph = FakeTelegramApi().start(), FakeGraphApi().start()
    service = None
    try:
        actions.wait()
        service = ServiceProcess(
            actions.url, var_dir, var_dir / "tracker.db",
            ONTMOET_STAFF_FILE=str(staff_file),
            TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url,
            TELEGRAM_WEBHOOK_URL="",
            WHATSAPP_TOKEN=graph.token, WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
            WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify-conversations",
            WHATSAPP_GRAPH_URL=graph.graph_url,
        ).start()
        settings = load_settings({"ONTMOET_VAR_DIR": str(var_dir)})
        yield service, telegram, graph, HandoffQueue.from_url(settings.database_url_resolved)
    finally:
        if service is not None:
            service.stop()
        actions.stop()
        telegram.stop()
        graph.stop()


def wait_until(condition, timeout=60.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None


# --------------------------------------------------------------------------
# Telegram: a resident in a private chat, through long polling
# --------------------------------------------------------------------------
class TelegramResident:
    def __init__(self, telegram: FakeTelegramApi, service: ServiceProcess, chat_id: int):
        self.telegram, self.service, self.chat_id = telegram, service, chat_id
        self.transcript: List[str] = []

    def _sends(self) -> List[Dict[str, Any]]:
        return [c.params for c in self.telegram.sent
                if c.params.get("chat_id") is not None and int(c.params["chat_id"]) == self.chat_id]

    def _deliver(self, update: Dict[str, Any], expect: str) -> List[Dict[str, Any]]:
        """Queue the update; wait until the replies match `expect`, then until quiet."""
        before = len(self._sends())

        def replied():
            text = "\n".join(str(p.get("text") or p.get("title") or "") for p in self._sends()[before:])
            return re.search(expect, text)

        self.telegram.queue_update(update)
        matched = wait_until(replied, timeout=90)
        count = -1
        while count != len(self._sends()):  # the rest of this turn's messages
            count = len(self._sends())
            time.sleep(1.0)
        new = self._sends()[before:]
        for params in new:
            self.transcript.append(f"  bot: {params.get('text') or params.get('title')}")
        assert matched, (f"no reply like {expect!r} on Telegram\n" + "\n".join(self.transcript)
                         + self.service.log_text()[-3000:])
        return new

    def _message(self, sender_id: int, **content) -> Dict[str, Any]:
        update = copy.deepcopy(fixture("telegram", "update_text"))
        update["update_id"] = next(_ids)
        message = update["message"]
        message["message_id"] = next(_ids)
        message["from"]["id"] = sender_id
        message["chat"]["id"] = sender_id
        message.pop("text")
        message.update(content)
        return update

    def says(self, text: str, expect: str) -> str:
        self.transcript.append(f"resident: {text}")
        sent = self._deliver(self._message(self.chat_id, text=text), expect)
        return "\n".join(p.get("text", "") for p in sent)

    def shares_location(self, latitude: float, longitude: float, expect: str) -> str:
        self.transcript.append(f"resident: <location {latitude},{longitude}>")
        update = copy.deepcopy(fixture("telegram", "update_location"))
        update["update_id"] = next(_ids)
        update["message"]["message_id"] = next(_ids)
        update["message"]["location"].update(latitude=latitude, longitude=longitude)
        return "\n".join(p.get("text", "") for p in self._deliver(update, expect))

    def last_buttons(self) -> List[Dict[str, Any]]:
        for params in reversed(self._sends()):
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if markup and markup.get("inline_keyboard"):
                return [button for row in markup["inline_keyboard"] for button in row]
        return []

    def presses(self, title_pattern: str, expect: str) -> str:
        buttons = self.last_buttons()
        matching = [b for b in buttons if re.search(title_pattern, b["text"], re.IGNORECASE)]
        assert matching, (f"no button like {title_pattern!r} in {[b['text'] for b in buttons]}\n"
                          + "\n".join(self.transcript))
        button = matching[0]
        self.transcript.append(f"resident presses: {button['text']}")
        update = copy.deepcopy(fixture("telegram", "update_callback_query"))
        update["update_id"] = next(_ids)
        update["callback_query"]["id"] = str(next(_ids))
        update["callback_query"]["data"] = button["callback_data"]
        update["callback_query"]["from"]["id"] = self.chat_id
        update["callback_query"]["message"]["chat"]["id"] = self.chat_id
        return "\n".join(p.get("text", "") for p in self._deliver(update, expect))


# --------------------------------------------------------------------------
# WhatsApp: a resident writing to the business number, through the webhook
# --------------------------------------------------------------------------
class WhatsAppResident:
    def __init__(self, graph: FakeGraphApi, service: ServiceProcess, wa_id: str):
        self.graph, self.service, self.wa_id = graph, service, wa_id
        self.url = f"{service.url}/webhooks/whatsapp/webhook"
        self.transcript: List[str] = []

    def _post(self, message: Dict[str, Any], expect: str, name: str = "text") -> List[Dict[str, Any]]:
        payload = copy.deepcopy(fixture("whatsapp", name))
        value = payload["entry"][0]["changes"][0]["value"]
        message["id"] = f"wamid.conversation{next(_ids)}"
        message["timestamp"] = str(int(time.time()))  # inside the 24-hour window
        message["from"] = self.wa_id
        value["messages"] = [message]
        value["contacts"][0]["wa_id"] = self.wa_id
        raw = json.dumps(payload).encode()
        before = len(self.graph.sent_to(self.wa_id))
        response = httpx.post(self.url, content=raw, timeout=90, headers={
            "X-Hub-Signature-256": signature_for(raw, APP_SECRET),
            "Content-Type": "application/json"})
        assert response.status_code == 200, response.text
        matched = wait_until(lambda: re.search(expect, "\n".join(
            _wa_text(m) for m in self.graph.sent_to(self.wa_id)[before:])), timeout=90)
        new = self.graph.sent_to(self.wa_id)[before:]
        for sent in new:
            self.transcript.append(f"  bot: {_wa_text(sent)}")
        assert matched, (f"no reply like {expect!r} on WhatsApp\n" + "\n".join(self.transcript)
                         + self.service.log_text()[-3000:])
        return new

    def _base(self, name: str) -> Dict[str, Any]:
        payload = fixture("whatsapp", name)
        return copy.deepcopy(payload["entry"][0]["changes"][0]["value"]["messages"][0])

    def says(self, text: str, expect: str) -> str:
        self.transcript.append(f"resident: {text}")
        message = self._base("text")
        message["text"] = {"body": text}
        return "\n".join(_wa_text(m) for m in self._post(message, expect))

    def shares_location(self, latitude: float, longitude: float, expect: str) -> str:
        self.transcript.append(f"resident: <location {latitude},{longitude}>")
        message = self._base("location")
        message["location"].update(latitude=latitude, longitude=longitude)
        return "\n".join(_wa_text(m) for m in self._post(message, expect, "location"))

    def last_choices(self):
        """(kind, [(id, title)]) of the last interactive message sent."""
        for sent in reversed(self.graph.sent_to(self.wa_id)):
            if sent.get("type") != "interactive":
                continue
            interactive = sent["interactive"]
            if interactive["type"] == "button":
                return "button_reply", [(b["reply"]["id"], b["reply"]["title"])
                                        for b in interactive["action"]["buttons"]]
            if interactive["type"] == "list":
                return "list_reply", [(row["id"], row["title"])
                                      for section in interactive["action"]["sections"]
                                      for row in section["rows"]]
        return None, []

    def presses(self, title_pattern: str, expect: str) -> str:
        kind, choices = self.last_choices()
        matching = [c for c in choices if re.search(title_pattern, c[1], re.IGNORECASE)]
        assert matching, (f"no choice like {title_pattern!r} in {choices}\n"
                          + "\n".join(self.transcript))
        choice_id, title = matching[0]
        self.transcript.append(f"resident presses: {title}")
        message = self._base("interactive_button_reply")
        message.pop("context", None)
        message["interactive"] = {"type": kind, kind: {"id": choice_id, "title": title}}
        return "\n".join(_wa_text(m) for m in self._post(message, expect, "interactive_button_reply"))


def _wa_text(sent: Dict[str, Any]) -> str:
    if sent.get("type") == "text":
        return sent["text"]["body"]
    if sent.get("type") == "interactive":
        return sent["interactive"]["body"]["text"]
    if sent.get("type") == "location":
        return f"<location {sent['location'].get('name')}>"
    return f"<{sent.get('type')}>"


def staff_command(telegram: FakeTelegramApi, staff_id: int, text: str) -> str:
    """An opbouwwerker's command in their private chat with the bot."""
    before = len(telegram.texts_to(staff_id))
    update = copy.deepcopy(fixture("telegram", "update_text"))
    update["update_id"] = next(_ids)
    message = update["message"]
    message.update(message_id=next(_ids), text=text)
    message["from"].update(id=staff_id, first_name="Opbouwwerker")
    message["chat"].update(id=staff_id, first_name="Opbouwwerker")
    telegram.queue_update(update)
    assert wait_until(lambda: len(telegram.texts_to(staff_id)) > before, timeout=30)
    return "\n".join(telegram.texts_to(staff_id)[before:])


# --------------------------------------------------------------------------
# The conversation, the same on both channels
# --------------------------------------------------------------------------
MALBERG = (50.8667, 5.6503)  # the centroid of Malberg, stadsdeel West (knowledge/data/geo.yml)


def _conversation(resident, queue: HandoffQueue, channel: str) -> Any:
    # each step waits for the reply it expects (`expect`), then asserts on the whole turn
    answer = resident.says("hallo", expect="Hallo!")
    assert "digitale assistent" in "\n".join(resident.transcript), resident.transcript

    # a shared location finds places nearby
    found = resident.shares_location(*MALBERG, expect="Ruweel")
    assert "Malberg" in found, resident.transcript

    # then the resident asks for a person; the handoff form, by buttons
    answer = resident.says("kan iemand met mij meegaan naar de koffieochtend", expect="bewaren")
    assert "opbouwwerker" in answer, resident.transcript
    resident.presses("^ja", expect="Hoe wilt u contact")
    # the buurt is known from the shared location: not asked again
    answer = resident.presses("chat", expect="Waar zoekt u hulp bij|buurt")
    assert "Waar zoekt u hulp bij" in answer, resident.transcript
    resident.says("iemand die met mij meegaat naar de koffieochtend", expect="taal")
    resident.presses("Nederlands", expect="Wanneer")
    answer = resident.presses("ochtend", expect="Klopt dit?")
    assert "Malberg" in answer and "in deze chat" in answer, resident.transcript
    assert [r for r in queue.list() if r.channel == channel] == [], "stored only after 'ja'"
    answer = resident.presses("^ja", expect=r"T-\d{4}")

    stored = [r for r in queue.list() if r.channel == channel]
    assert len(stored) == 1, resident.transcript
    request = stored[0]
    assert re.search(rf"\b{request.reference}\b", answer), resident.transcript
    assert (request.buurt, request.stadsdeel, request.contact_method) == ("Malberg", "West", "chat")
    assert request.reason == "iemand die met mij meegaat naar de koffieochtend"
    assert request.consent and request.best_moment and request.language == "nl"
    return request


def _staff_picks_up_and_answers(telegram: FakeTelegramApi, request) -> None:
    """The opbouwwerker of West hears of the request in Telegram and answers it."""
    assert wait_until(lambda: any(request.reference in t for t in telegram.texts_to(STAFF_WEST)),
                      timeout=30), telegram.texts_to(STAFF_WEST)
    assert not any(request.reference in t for t in telegram.texts_to(STAFF_CENTRUM))
    assert request.reference in staff_command(telegram, STAFF_WEST, f"/oppakken {request.reference}")
    answer = staff_command(telegram, STAFF_WEST,
                           f"/antwoord {request.reference} Ik bel u morgen om tien uur.")
    assert request.reference in answer, answer


PROPOSAL = "Zullen we donderdagmiddag samen wandelen vanaf het gemeenschapshuis?"
ANSWER = "Ja graag, donderdag om 14 uur is goed!"
MOMENT = "donderdag 14 uur bij het gemeenschapshuis"
CLOSING_NOTE = "Samen gewandeld"
CLOSING_MESSAGE = "Fijn dat we donderdag gaan wandelen. Tot dan!"
LATER = "kunt u haar een bericht sturen?"


def _the_loop(resident, telegram: FakeTelegramApi, queue: HandoffQueue, request,
              received) -> None:
    """Issue 19: the opbouwwerker proposes a walk, the resident answers in plain words,
    the answer reaches the timeline and the opbouwwerker; they agree a moment
    (/afspraak), the opbouwwerker closes with a note and a closing message
    (/afronden, confirmed) that reaches the resident, and a message about the
    request still reaches them instead of starting a new form."""
    staff_command(telegram, STAFF_WEST, f"/antwoord {request.reference} {PROPOSAL}")
    assert wait_until(lambda: any(PROPOSAL in t for t in received()), timeout=30), received()
    # the platform took it (stored just after the send returned)
    assert wait_until(lambda: queue.show(request.reference).notes[-1].delivery == "delivered",
                      timeout=30), queue.show(request.reference).notes[-1]
    before = len(telegram.texts_to(STAFF_WEST))
    answer = resident.says(ANSWER, expect="doorgegeven aan de opbouwwerker")
    assert "begreep ik niet" not in answer
    assert queue.show(request.reference).notes[-1].text == ANSWER
    # the same notification as a live-chat message: the reference and a dashboard link
    assert wait_until(lambda: any(request.reference in t and "Nieuw bericht" in t
                                  for t in telegram.texts_to(STAFF_WEST)[before:]), timeout=30)
    assert ANSWER not in "\n".join(telegram.texts_to(STAFF_WEST)), "no text into Telegram"

    # they agree a moment; closing asks first, then closes with a note and a message
    assert "afspraak gemaakt" in staff_command(telegram, STAFF_WEST,
                                               f"/afspraak {request.reference} {MOMENT}")
    assert f"/afronden {request.reference} ja" in staff_command(
        telegram, STAFF_WEST, f"/afronden {request.reference}")
    assert queue.get(request.reference).status == "in_contact"
    assert "afgerond" in staff_command(
        telegram, STAFF_WEST,
        f"/afronden {request.reference} ja {CLOSING_NOTE} bericht: {CLOSING_MESSAGE}")
    assert wait_until(lambda: any(CLOSING_MESSAGE in t for t in received()), timeout=30), \
        received()
    assert wait_until(lambda: queue.show(request.reference).notes[-1].delivery == "delivered",
                      timeout=30), queue.show(request.reference).notes[-1]
    answer = resident.says(LATER, expect="afgerond")
    assert "Klopt dit" not in answer and "bewaren" not in answer, "no new request form"
    notes = queue.show(request.reference).notes
    assert [(n.kind, n.text) for n in notes][-4:] == [
        ("note", MOMENT), ("closing", CLOSING_NOTE), ("reply", CLOSING_MESSAGE),
        ("resident", LATER)]
    assert [r.reference for r in queue.list() if r.channel == request.channel] == \
        [request.reference]


def test_telegram_conversation_from_hallo_to_a_stored_request(stack):
    service, telegram, _, queue = stack
    assert wait_until(lambda: telegram.calls_to("getUpdates"), timeout=60)
    resident = TelegramResident(telegram, service, RESIDENT_CHAT)
    request = _conversation(resident, queue, "telegram")

    _staff_picks_up_and_answers(telegram, request)
    # announced by the service, which kept the chat id (consent given) for later answers
    assert queue.get(request.reference).channel_address == str(RESIDENT_CHAT)
    assert wait_until(lambda: any("Ik bel u morgen om tien uur." in t
                                  for t in telegram.texts_to(RESIDENT_CHAT)), timeout=30)
    assert queue.get(request.reference).status in ("opgepakt", "in_contact")
    _the_loop(resident, telegram, queue, request, lambda: telegram.texts_to(RESIDENT_CHAT))
    log = service.log_text()
    assert str(RESIDENT_CHAT) not in log and "koffieochtend" not in log
    assert "donderdag om 14 uur" not in log


def test_whatsapp_conversation_from_hallo_to_a_stored_request(stack):
    service, telegram, graph, queue = stack
    resident = WhatsAppResident(graph, service, WA)
    request = _conversation(resident, queue, "whatsapp")

    # the opbouwwerker works in Telegram; the answer reaches WhatsApp
    _staff_picks_up_and_answers(telegram, request)
    # contact by chat: the WhatsApp number (a phone number) is not stored (issue 15.5);
    # the answer arrives through the address the service holds in memory
    assert queue.get(request.reference).channel_address is None
    assert wait_until(
        lambda: any("Ik bel u morgen om tien uur." in t for t in graph.texts_to(WA)), timeout=30
    ), json.dumps(graph.sent_to(WA)[-2:], ensure_ascii=False)
    _the_loop(resident, telegram, queue, request, lambda: graph.texts_to(WA))
    log = service.log_text()
    assert WA not in log and "koffieochtend" not in log
    assert "donderdag om 14 uur" not in log


# --------------------------------------------------------------------------
# Simpler Dutch (issue 18, point 4) on both channels, other residents
# --------------------------------------------------------------------------
A2_TELEGRAM_CHAT = 111222444
A2_WA = "31612345999"


def _simpler_dutch(resident) -> None:
    """"Makkelijker" from the greeting, back with "gewone taal", then learner Dutch
    switches by itself; the A2 replies keep their buttons."""
    resident.says("hallo", expect="Hallo!")
    answer = resident.presses("^Makkelijker$", expect="Ik schrijf nu makkelijker")
    assert "Ik help u met een plek om mensen te zien." in "\n".join(resident.transcript)
    answer = resident.says("gewone taal", expect="gewone taal")
    assert "ik gebruik weer gewone taal" in answer, resident.transcript
    answer = resident.says("ik zoeken plek voor mensen ontmoeten", expect="Waar woont u")
    assert "Typ de naam van uw buurt." in answer and "In welke buurt" not in answer
    resident.says("Malberg", expect="Plekken in Malberg")
    answer = resident.presses("^Meer plekken$", expect="Meer plekken")
    assert "Nog meer plekken" not in answer, resident.transcript  # still A2


def test_simpler_dutch_on_telegram(stack):
    service, telegram, _, _ = stack
    assert wait_until(lambda: telegram.calls_to("getUpdates"), timeout=60)
    _simpler_dutch(TelegramResident(telegram, service, A2_TELEGRAM_CHAT))


def test_simpler_dutch_on_whatsapp(stack):
    service, _, graph, _ = stack
    _simpler_dutch(WhatsAppResident(graph, service, A2_WA))
