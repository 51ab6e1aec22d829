"""The web chat page runs no inline code (issue 18, point 5): its script and style
are files served by the same app (bot/static/webchat.js, webchat.css), and its
Content-Security-Policy allows only those ('self', never 'unsafe-inline'). In a
real headless chromium the chat still works under that policy (no violation is
reported), and on a 390 px phone the header stays compact."""
from __future__ import annotations

import re
from itertools import count

import httpx
import pytest
from sanic import Sanic

from bot.channels.common import ButtonRegistry
from bot.channels.rest import WebChatInput
from ontmoet_core.config import load_settings
from tests.conftest import close_driver, phone_driver

_names = count()


@pytest.fixture(autouse=True)
def _sanic_test_mode(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def app(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    channel = WebChatInput(settings, ButtonRegistry())

    async def assistant(message):
        message.output_channel.messages.append({"recipient_id": message.sender_id, "text": "Hallo!"})

    sanic_app = Sanic(f"webchat_csp_{next(_names)}")
    sanic_app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/webchat")
    return sanic_app


async def _get(app, path):
    await app._startup()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as c:
        return await c.get(path)


def directives(policy: str) -> dict:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


async def test_the_page_csp_allows_only_its_own_script_and_style(app):
    page = await _get(app, "/webhooks/webchat/chat")
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    found = directives(policy)
    assert found["script-src"] == ["'self'"] and found["style-src"] == ["'self'"]
    # nothing inline left to block: no <style>, no executable <script> body, no on...= handlers
    html = page.text
    assert "<style" not in html and not re.search(r"\son[a-z]+=", html)
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert 'type="application/json"' in attributes or not body.strip(), attributes


@pytest.mark.parametrize("name, kind", [("webchat.js", "javascript"), ("webchat.css", "css")])
async def test_the_script_and_style_are_served_by_the_same_app(app, name, kind):
    page = await _get(app, "/webhooks/webchat/chat")
    assert f'/webhooks/webchat/{name}"' in page.text
    asset = await _get(app, f"/webhooks/webchat/{name}")
    assert asset.status_code == 200 and kind in asset.headers["content-type"]
    assert asset.headers["x-content-type-options"] == "nosniff"
    assert len(asset.text) > 500


# --- in the browser -----------------------------------------------------------

# recorded before the page's own code runs: every CSP violation the browser reports
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""
# a 390 x 844 phone: the header (title, subtitle, display buttons) takes at most this
MAX_PHONE_HEADER_PX = 150


@pytest.fixture
def phone():
    driver = phone_driver()
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
        yield driver
    finally:
        close_driver(driver)


@pytest.mark.model
@pytest.mark.browser
def test_the_chat_works_under_the_strict_csp_in_chromium(phone, service_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = httpx.get(f"{service_url}/chat", timeout=30, follow_redirects=True)
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    phone.get(f"{service_url}/chat")
    wait = WebDriverWait(phone, 120)
    # the greeting's buttons: the script ran, talked to the server and drew them
    first = wait.until(ec.element_to_be_clickable(
        (By.XPATH, "//div[@class='buttons']/button[contains(., 'Plek om mensen te ontmoeten')]")))
    # the style sheet applied: the header has the page's accent colour
    header = phone.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("background-color") in ("rgba(11, 79, 156, 1)", "rgb(11, 79, 156)")
    first.click()
    wait.until(lambda d: "buurt" in d.find_element(By.ID, "log").text.lower())
    box = phone.find_element(By.ID, "text")
    box.send_keys("Malberg")
    phone.find_element(By.ID, "send").click()
    wait.until(lambda d: "Malberg vond ik" in d.find_element(By.ID, "log").text)
    assert phone.execute_script("return window.__csp") == []
    # compact on a phone: the chat, not the header, has the screen
    assert header.size["height"] <= MAX_PHONE_HEADER_PX, header.size
