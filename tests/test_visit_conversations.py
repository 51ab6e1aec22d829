"""An accompanied first visit end to end (issue 18.2), on the web chat, Telegram
and WhatsApp (through the fakes).

The real service (`ontmoet serve`, trained test model) and the real action
server share one var dir, with the operator's switch on
(ONTMOET_HANDOFF_ACCOMPANY=true) and a staff file that is not demo. On each
channel the resident asks for a person, says ja to going the first time with
someone, picks 't Ruweel (a real record of knowledge/) and a moment; the
opbouwwerker of West picks the request up in Telegram and proposes another
moment (/andermoment); the proposal reaches the resident's channel, the
resident answers "Ja graag", gets the confirmation, the opbouwwerker hears it,
and the reminder the day before is stored (bot/reminders).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

import httpx
import pytest
import yaml

from bot.handoff.queue import HandoffQueue
from bot.reminders.store import ReminderStore
from ontmoet_core.config import load_settings
from tests.conftest import ActionServer, ServiceProcess, require_test_model
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.test_channel_conversations import (  # the residents of the fixtures
    APP_SECRET,
    RESIDENT_CHAT,
    STAFF_WEST,
    WA,
    TelegramResident,
    WhatsAppResident,
    staff_command,
    wait_until,
)

pytestmark = pytest.mark.model

OTHER_MOMENT = "volgende week dinsdagmiddag"
REASON = "ik durf niet alleen naar de koffieochtend"


def _write_staff_file(path):
    path.write_text(yaml.safe_dump({
        "demo": False,  # real people: the visit is offered (not in a trial)
        "source": "test",
        "opbouwwerkers": [
            {"username": "ow-west", "name": "Test West", "telegram_user_id": STAFF_WEST,
             "werkgebied": {"stadsdelen": ["West"]}},
        ],
        "coordinators": [{"username": "coord", "name": "Test Coördinator",
                          "telegram_user_id": 7770009}],
    }, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_test_model()
    var_dir = tmp_path_factory.mktemp("visit")
    staff_file = _write_staff_file(var_dir / "staff.yml")
    switch = dict(ONTMOET_STAFF_FILE=str(staff_file), ONTMOET_HANDOFF_ACCOMPANY="true")
    actions = ActionServer(var_dir, **switch)
    telegram, graph = FakeTelegramApi().start(), FakeGraphApi().start()
    service = None
    try:
        actions.wait()
        service = ServiceProcess(
            actions.url, var_dir, var_dir / "tracker.db", **switch,
            TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url,
            TELEGRAM_WEBHOOK_URL="",
            WHATSAPP_TOKEN=graph.token, WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
            WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify-visit",
            WHATSAPP_GRAPH_URL=graph.graph_url,
        ).start()
        settings = load_settings({"ONTMOET_VAR_DIR": str(var_dir)})
        queue = HandoffQueue.from_url(settings.database_url_resolved)
        yield service, telegram, graph, queue
    finally:
        if service is not None:
            service.stop()
        actions.stop()
        telegram.stop()
        graph.stop()


# --------------------------------------------------------------------------
# The web chat, through its own endpoint with the server's cookie
# --------------------------------------------------------------------------
class WebChatResident:
    def __init__(self, service: ServiceProcess):
        self.client = httpx.Client(base_url=service.url, timeout=90)
        self.transcript: List[str] = []
        self.buttons: List[Dict[str, Any]] = []

    def _post(self, message: str, expect: str) -> str:
        replies = self.client.post("/webhooks/webchat/webhook",
                                   json={"message": message}).json()
        text = "\n".join(r.get("text", "") for r in replies if isinstance(r, dict))
        for reply in replies:
            titles = [b["title"] for b in reply.get("buttons") or []]
            self.transcript.append(f"  bot: {reply.get('text')} {titles}")
            if reply.get("buttons"):
                self.buttons = reply["buttons"]
        assert re.search(expect, text), (expect, "\n".join(self.transcript))
        return text

    def says(self, text: str, expect: str) -> str:
        self.transcript.append(f"resident: {text}")
        return self._post(text, expect)

    def presses(self, title_pattern: str, expect: str) -> str:
        matching = [b for b in self.buttons if re.search(title_pattern, b["title"], re.I)]
        assert matching, (title_pattern, [b["title"] for b in self.buttons], self.transcript)
        self.transcript.append(f"resident presses: {matching[0]['title']}")
        return self._post(matching[0]["payload"], expect)

    def inbox(self) -> List[str]:
        return [m["text"] for m in self.client.get("/webhooks/webchat/inbox").json()]


# --------------------------------------------------------------------------
# The conversation, the same on every channel
# --------------------------------------------------------------------------
def _asks_for_an_accompanied_visit(resident, queue: HandoffQueue, channel: str):
    answer = resident.says("kan iemand met mij meegaan naar de koffieochtend", expect="bewaren")
    assert "Ik vraag het u straks" in answer, resident.transcript  # the switch is on
    resident.presses("^ja", expect="Hoe wilt u contact")
    resident.presses("chat", expect="buurt")
    resident.says("Malberg", expect="Waar zoekt u hulp bij")
    resident.says(REASON, expect="taal")
    resident.presses("Nederlands", expect="Wanneer")
    resident.presses("ochtend", expect="samen met iemand")
    resident.presses("^ja", expect="Naar welke plek")
    resident.presses("Ruw", expect="Wanneer wilt u gaan")  # WhatsApp: 24 characters a row
    answer = resident.says("donderdagmiddag", expect="Klopt dit?")
    assert re.search(r"Eerste bezoek samen: .*Ruweel, donderdagmiddag \(donderdag \d+ \w+\)",
                     answer), resident.transcript
    answer = resident.presses("^ja, verstuur", expect=r"T-\d{4}")
    [request] = [r for r in queue.list() if r.channel == channel]
    assert (request.visit_status, request.visit_place_key, request.visit_moment) == (
        "gevraagd", "gemeenschapshuis-t-ruweel", "donderdagmiddag"), request
    assert request.visit_start is not None and not request.visit_place_demo
    return request


def _proposal_accepted(resident, telegram: FakeTelegramApi, queue: HandoffQueue, request,
                       received) -> None:
    ref = request.reference
    assert wait_until(lambda: any(ref in t for t in telegram.texts_to(STAFF_WEST)), timeout=30)
    staff_command(telegram, STAFF_WEST, f"/oppakken {ref}")
    listing = staff_command(telegram, STAFF_WEST, "/wachtrij")
    assert f"{ref}" in listing and "eerste bezoek: gevraagd" in listing, listing
    # always a few days ahead, so the reminder the day before is still to come
    told = staff_command(telegram, STAFF_WEST, f"/andermoment {ref} {OTHER_MOMENT}")
    assert "Ander moment" in told and OTHER_MOMENT in told, told
    assert wait_until(lambda: any(f"Kan het ook {OTHER_MOMENT}" in t for t in received()),
                      timeout=30), received()
    assert queue.get(ref).visit_status == "voorgesteld"

    before = len(telegram.texts_to(STAFF_WEST))
    answer = resident.says("Ja graag", expect="afgesproken")
    assert "Ruweel" in answer and f"{OTHER_MOMENT} (dinsdag" in answer, resident.transcript
    assert "herinnering" in answer, resident.transcript
    view = queue.get(ref)
    assert view.visit_status == "bevestigd"
    assert queue.show(ref).notes[-1].text == "Ja graag"
    assert wait_until(lambda: any(ref in t and "zegt ja" in t
                                  for t in telegram.texts_to(STAFF_WEST)[before:]), timeout=30)
    [reminder] = ReminderStore(queue.engine).upcoming(view.resident_key)
    assert (reminder.kind, reminder.subject, reminder.event_at) == ("visit", ref,
                                                                  view.visit_start)
    assert reminder.channel == request.channel


def test_web_chat_accompanied_first_visit(stack):
    service, telegram, _, queue = stack
    assert wait_until(lambda: telegram.calls_to("getUpdates"), timeout=60)
    resident = WebChatResident(service)
    request = _asks_for_an_accompanied_visit(resident, queue, "webchat")
    seen: List[str] = []

    def received():
        seen.extend(resident.inbox())  # what the page fetches every few seconds
        return seen

    _proposal_accepted(resident, telegram, queue, request, received)
    # the web chat fetched the proposal: delivered (honest delivery states)
    proposal = [n for n in queue.show(request.reference).notes if n.kind == "reply"][-1]
    assert proposal.delivery == "delivered", proposal


def test_telegram_accompanied_first_visit(stack):
    service, telegram, _, queue = stack
    assert wait_until(lambda: telegram.calls_to("getUpdates"), timeout=60)
    resident = TelegramResident(telegram, service, RESIDENT_CHAT)
    request = _asks_for_an_accompanied_visit(resident, queue, "telegram")
    _proposal_accepted(resident, telegram, queue, request,
                       lambda: telegram.texts_to(RESIDENT_CHAT))


def test_whatsapp_accompanied_first_visit(stack):
    service, telegram, graph, queue = stack
    resident = WhatsAppResident(graph, service, WA)
    request = _asks_for_an_accompanied_visit(resident, queue, "whatsapp")
    _proposal_accepted(resident, telegram, queue, request, lambda: graph.texts_to(WA))
