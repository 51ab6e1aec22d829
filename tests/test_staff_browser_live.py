"""The dashboard refreshes itself, in a real headless browser on a phone-sized
screen (issue 19.2 and 19.6): a new request appears in the list without a
reload and the tab title counts it; a resident's message appears in the
timeline; the list is shown as cards at 390 px.

Set ONTMOET_DASHBOARD_PHONE_SCREENSHOT=docs/img/dashboard-telefoon.png to keep
the phone screenshot.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.handoff.queue import HandoffQueue
from ontmoet_core.config import PROJECT_ROOT
from ontmoet_core.db import make_engine
from tests.conftest import chromium_driver, close_driver
from tests.test_staff_browser import PASSWORD, dashboard  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def phone():
    driver = chromium_driver("390,844")
    # headless chromium's window is at least 500 px wide: emulate a 390 px phone
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        yield driver
    finally:
        close_driver(driver)


def test_new_request_and_message_appear_without_reload_on_a_phone(phone, dashboard, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, refs = dashboard
    engine = make_engine(f"sqlite:///{tmp_path / 'ontmoet.db'}")  # the dashboard's database
    queue = HandoffQueue(engine)
    queue.set_in_contact(refs[1], "voorbeeld-west", live=True)
    wait = WebDriverWait(phone, 30)
    phone.get(f"{base}/staff/login")
    phone.find_element(By.ID, "username").send_keys("voorbeeld-west")
    phone.find_element(By.ID, "password").send_keys(PASSWORD)
    phone.find_element(By.ID, "login-button").click()
    wait.until(ec.presence_of_element_located((By.ID, "queue")))
    assert phone.execute_script("return window.innerWidth;") == 390
    assert phone.title.startswith("(2) Wachtrij toeleiding")  # two new requests in West
    phone.execute_script("window.notReloaded = 'ja';")

    new = queue.create_request(channel="webchat", resident_key="demo-5", consent=True,
                               contact_method="chat", buurt="Pottenberg", stadsdeel="West",
                               reason="Ik wil graag iets doen met andere mensen.")
    wait.until(ec.text_to_be_present_in_element((By.ID, "queue"), new.reference))
    wait.until(lambda driver: driver.title.startswith("(3) "))
    assert phone.execute_script("return window.notReloaded;") == "ja"
    assert "Nieuw: 3" in phone.find_element(By.ID, "attention").text

    # cards: every cell on its own line, nothing wider than the screen
    cell = phone.find_element(By.CSS_SELECTOR, f"#row-{new.reference} td")
    assert phone.execute_script("return getComputedStyle(arguments[0]).display;", cell) == "block"
    assert phone.find_element(By.CSS_SELECTOR, "table.queue thead").size["height"] <= 1
    label = phone.execute_script(  # each cell says what it is ("Buurt: ...")
        "return getComputedStyle(arguments[0], '::before').content;",
        phone.find_element(By.CSS_SELECTOR, f"#row-{new.reference} td[data-label=Buurt]"))
    assert label == '"Buurt: "'
    assert phone.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth;")
    shot = tmp_path / "dashboard-telefoon.png"
    phone.save_screenshot(str(shot))
    keep = os.environ.get("ONTMOET_DASHBOARD_PHONE_SCREENSHOT")
    if keep:
        target = Path(keep) if Path(keep).is_absolute() else PROJECT_ROOT / keep
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target)

    # the live chat: the resident's answer appears in the timeline without a reload
    phone.find_element(By.LINK_TEXT, refs[1]).click()
    wait.until(ec.presence_of_element_located((By.ID, "timeline")))
    phone.execute_script("window.notReloaded = 'ja';")
    phone.find_element(By.ID, "reply").send_keys("Half getypt antwoord")
    queue.record_resident_message("demo-2", "Ja graag, donderdag om 14 uur is goed!")
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "donderdag om 14 uur"))
    assert phone.execute_script("return window.notReloaded;") == "ja"
    assert phone.find_element(By.ID, "reply").get_attribute("value") == "Half getypt antwoord"
    assert "Bericht van bewoner" in phone.find_element(By.ID, "timeline").text
    assert phone.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth;")
    phone.save_screenshot(str(tmp_path / "vraag-telefoon.png"))
    engine.dispose()
