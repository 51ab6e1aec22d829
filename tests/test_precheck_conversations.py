"""The subsidy check end to end (issue 18, point 3) on web chat, Telegram and WhatsApp.

The real service (`ontmoet serve`, trained test model) and the real action
server share one var dir; Telegram and WhatsApp through their fakes (as in
tests/test_channel_conversations.py). On each channel a volunteer answers the
six questions (buttons and typed words), gets the answer with the unconfirmed
rules marked, the checklist to forward and the link to the print page, which
the service serves; then the offer of an opbouwwerker starts the toeleiding.
The answers appear in no URL and no log line.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

import httpx
import pytest

from bot.precheck.store import ChecklistStore
from ontmoet_core.config import load_settings
from ontmoet_core.db import make_engine
from tests.conftest import ActionServer, ServiceProcess, require_test_model
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.test_channel_conversations import (
    APP_SECRET,
    RESIDENT_CHAT,
    WA,
    TelegramResident,
    WhatsAppResident,
    wait_until,
)

pytestmark = pytest.mark.model

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/checklist/([A-Za-z0-9_-]+))")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_test_model()
    var_dir = tmp_path_factory.mktemp("precheck")
    telegram, graph = FakeTelegramApi().start(), FakeGraphApi().start()
    service = ServiceProcess(
        "", var_dir, var_dir / "tracker.db",
        TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_WEBHOOK_URL="",
        WHATSAPP_TOKEN=graph.token, WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
        WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify-precheck",
        WHATSAPP_GRAPH_URL=graph.graph_url,
    )
    # the action server writes the link: it must know the service's address
    actions = ActionServer(var_dir, ONTMOET_PUBLIC_URL=service.url)
    started = False
    try:
        actions.wait()
        service.env["ONTMOET_ACTION_SERVER_URL"] = actions.url
        service.env["ONTMOET_PUBLIC_URL"] = service.url
        service.start()
        started = True
        settings = load_settings({"ONTMOET_VAR_DIR": str(var_dir)})
        engine = make_engine(settings.database_url_resolved)
        yield service, telegram, graph, ChecklistStore(engine)
        engine.dispose()
    finally:
        if started:
            service.stop()
        actions.stop()
        telegram.stop()
        graph.stop()


class WebChatResident:
    """The web chat page's calls: POST /webhooks/webchat/webhook with the session cookie."""

    def __init__(self, service: ServiceProcess):
        self.service = service
        self.client = httpx.Client(base_url=service.url, timeout=90)
        self.transcript: List[str] = []
        self.replies: List[Dict[str, Any]] = []

    def _send(self, message: str, expect: str) -> str:
        response = self.client.post("/webhooks/webchat/webhook", json={"message": message})
        assert response.status_code == 200, response.text
        self.replies = response.json()
        texts = "\n".join(r.get("text", "") for r in self.replies)
        self.transcript.extend(f"  bot: {r.get('text')}" for r in self.replies)
        assert re.search(expect, texts), (f"no reply like {expect!r} in the web chat\n"
                                          + "\n".join(self.transcript))
        return texts

    def says(self, text: str, expect: str) -> str:
        self.transcript.append(f"resident: {text}")
        return self._send(text, expect)

    def presses(self, title_pattern: str, expect: str) -> str:
        buttons = [b for r in self.replies for b in r.get("buttons") or []]
        matching = [b for b in buttons if re.search(title_pattern, b["title"], re.IGNORECASE)]
        assert matching, (f"no button like {title_pattern!r} in {[b['title'] for b in buttons]}\n"
                          + "\n".join(self.transcript))
        self.transcript.append(f"resident presses: {matching[0]['title']}")
        return self._send(matching[0]["payload"], expect)


def _the_check(resident, service: ServiceProcess, store: ChecklistStore) -> str:
    """The six questions, the answer, the checklist, the print page, the offer."""
    answer = resident.says("check mijn plan", expect="Wat wilt u starten")
    assert "zes korte vragen" in answer, resident.transcript
    resident.presses("^Huiskamer", expect="Voor wie")
    resident.presses("^Senioren", expect="In welke buurt komt de plek")
    resident.says("Scharn", expect="Hoeveel mensen")
    resident.says("ongeveer 15", expect="Hoe vaak")
    resident.presses("^Elke week", expect="soortgelijke plek")
    answer = resident.presses("^Weet ik niet", expect="hulp van een opbouwwerker")
    # the answer: only sourced rules, the unconfirmed ones marked
    assert "Uw plan: een huiskamer voor senioren in Scharn. Met 10 tot 25 mensen, elke week." in answer
    assert "- (nog niet bevestigd) Onder de vorige regeling" in answer, resident.transcript
    assert "- De gemeente steunt in principe één soortgelijke plek per buurt" in answer
    # the similar place from knowledge, marked as an example
    assert "De Koffiepot (Scharn) (voorbeeld, geen echte plek)" in answer
    # the checklist to forward: plain text lines
    assert "Mijn checklist voor de subsidie Kracht van de Samenleving" in answer
    assert "[ ] Zorg voor een stichting of vereniging" in answer
    assert "14 043" in answer
    # the print page, served by the assistant service
    found = LINK.search(answer)
    assert found, resident.transcript
    url, token = found.groups()
    assert url.startswith(service.url)
    assert "Scharn" not in url and "huiskamer" not in url
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text and "@media print" in page.text
    assert "Scharn" in page.text and '<span class="status">nog niet bevestigd</span>' in page.text
    assert store.load(token) is not None
    # the offer of an opbouwwerker starts the toeleiding (kind: subsidie_aanvraag)
    resident.presses("^Ja, graag", expect="bewaren")
    return token


def _nothing_personal_logged(service: ServiceProcess, token: str) -> None:
    log = service.log_text()
    assert "ongeveer 15" not in log and token not in log


def test_web_chat_check(stack):
    service, _, _, store = stack
    resident = WebChatResident(service)
    token = _the_check(resident, service, store)
    _nothing_personal_logged(service, token)


def test_telegram_check(stack):
    service, telegram, _, store = stack
    assert wait_until(lambda: telegram.calls_to("getUpdates"), timeout=60)
    resident = TelegramResident(telegram, service, RESIDENT_CHAT)
    token = _the_check(resident, service, store)
    _nothing_personal_logged(service, token)


def test_whatsapp_check(stack):
    service, _, graph, store = stack
    resident = WhatsAppResident(graph, service, WA)
    token = _the_check(resident, service, store)
    # forwarding-safe: the checklist went as a plain text message without markdown
    sent = [m["text"]["body"] for m in graph.sent_to(WA) if m.get("type") == "text"]
    checklist = next(body for body in sent if body.startswith("Mijn checklist"))
    assert not re.search(r"[*_~`]", checklist)
    _nothing_personal_logged(service, token)


@pytest.mark.browser
def test_web_chat_page_shows_the_print_link_as_a_link(stack):
    """In the real page (headless chromium) the print link is a link that opens the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.conftest import chromium_driver, close_driver

    service, _, _, _ = stack
    browser = chromium_driver("390,844")
    try:
        browser.get(f"{service.url}/chat")
        wait = WebDriverWait(browser, 90)
        box = browser.find_element(By.ID, "text")

        def say(words, expect):
            box.send_keys(words)
            browser.find_element(By.ID, "send").click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "log"), expect))

        def press(title, expect):
            wait.until(ec.element_to_be_clickable(
                (By.XPATH, f"(//div[@class='buttons']/button[normalize-space()='{title}'])[last()]"))).click()
            wait.until(ec.text_to_be_present_in_element((By.ID, "log"), expect))

        say("check mijn plan", "Wat wilt u starten?")
        press("Sociaal restaurant", "Voor wie is de plek?")
        press("Iedereen", "In welke buurt komt de plek?")
        say("Malberg", "Hoeveel mensen")
        press("Meer dan 25", "Hoe vaak is de plek open?")
        press("Elke maand", "soortgelijke plek")
        press("Nee", "hulp van een opbouwwerker")
        link = browser.find_element(By.CSS_SELECTOR, "#log a[href*='/checklist/']")
        href = link.get_attribute("href")
        assert href.startswith(f"{service.url}/checklist/") and link.text == href
        assert link.get_attribute("rel") == "noopener noreferrer"
        page = httpx.get(href, timeout=30)
        assert page.status_code == 200 and "Malberg" in page.text
        assert "Ruweel" in page.text  # the gemeenschapshuis in the buurt (seed, Bijlage 1)
    finally:
        close_driver(browser)
