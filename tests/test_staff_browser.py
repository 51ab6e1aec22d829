"""The staff dashboard in a real headless browser (Debian's chromium + chromedriver).

Set ONTMOET_DASHBOARD_SCREENSHOT=docs/img/dashboard.png to refresh the README image.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.handoff.queue import HandoffQueue
from bot.handoff.routing import RosterCache
from bot.staff.accounts import StaffAccounts
from ontmoet_core.config import PROJECT_ROOT
from ontmoet_core.db import make_engine, upgrade_database
from tests.conftest import chromium_driver, close_driver, free_port, wait_for

pytestmark = pytest.mark.browser

PASSWORD = "browser-test-wachtwoord"
# Demo requests (fictitious residents) for the test and the README screenshot.
DEMO_REQUESTS = [
    dict(resident_key="demo-1", buurt="Mariaberg", stadsdeel="West",
         reason="Ik woon alleen en zoek overdag gezelschap.", best_moment="ochtend"),
    dict(resident_key="demo-2", buurt="Malberg", stadsdeel="West", kind="subsidie_aanvraag",
         reason="Hulp bij de aanvraag voor onze huiskamer.", best_moment="na 14 uur"),
    dict(resident_key="demo-3", buurt="Daalhof", stadsdeel="West", kind="eenzaamheid",
         reason="Mijn man is overleden, ik wil graag mensen ontmoeten.", best_moment="middag"),
    dict(resident_key="demo-4", buurt="Wyck", stadsdeel="Centrum",
         reason="Waar kan ik koffie drinken met buurtgenoten?", best_moment="maakt niet uit"),
]


@pytest.fixture
def browser():
    driver = chromium_driver("1280,800")
    try:
        yield driver
    finally:
        close_driver(driver)


@pytest.fixture
def dashboard(tmp_path):
    """`python -m bot.staff.dashboard` on a fresh database with demo requests."""
    url = f"sqlite:///{tmp_path / 'ontmoet.db'}"
    upgrade_database(url)
    staff_file = PROJECT_ROOT / "knowledge" / "data" / "opbouwwerkers.yml"  # the DEMO roster
    engine = make_engine(url)
    queue = HandoffQueue(engine)
    refs = []
    for values in DEMO_REQUESTS:
        values = dict(values)
        refs.append(queue.create_request(channel="telegram", consent=True, contact_method="chat",
                                         **values).reference)
    queue.claim(refs[1], "voorbeeld-west")
    queue.reply(refs[1], "voorbeeld-west", "Ik kom donderdag langs bij de huiskamer.")
    accounts = StaffAccounts(engine, RosterCache(staff_file))
    accounts.add("voorbeeld-west", PASSWORD)
    engine.dispose()
    port = free_port()
    env = dict(os.environ, ONTMOET_DATABASE_URL=url, ONTMOET_STAFF_FILE=str(staff_file),
               ONTMOET_VAR_DIR=str(tmp_path), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    log = open(tmp_path / "dashboard.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bot.staff.dashboard", "--port", str(port)],
                            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_for(f"http://127.0.0.1:{port}/staff/login", timeout=60, proc=proc)
        yield f"http://127.0.0.1:{port}", refs
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_opbouwwerker_logs_in_claims_and_notes(browser, dashboard, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, refs = dashboard
    wait = WebDriverWait(browser, 20)
    browser.get(f"{base}/staff/")
    wait.until(ec.presence_of_element_located((By.ID, "login-form")))
    assert refs[0] not in browser.page_source  # no queue data before login
    browser.find_element(By.ID, "username").send_keys("voorbeeld-west")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-button").click()
    table = wait.until(ec.presence_of_element_located((By.ID, "queue")))
    text = table.text
    assert refs[0] in text and refs[2] in text
    assert refs[3] not in text  # Wyck is not in West's werkgebied
    screenshot = os.environ.get("ONTMOET_DASHBOARD_SCREENSHOT")
    if screenshot:
        path = Path(screenshot)
        path = path if path.is_absolute() else PROJECT_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(path))

    browser.find_element(By.LINK_TEXT, refs[0]).click()
    wait.until(ec.element_to_be_clickable((By.ID, "claim"))).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "opgepakt"))
    assert browser.find_element(By.ID, "status").text == "opgepakt"
    browser.find_element(By.ID, "note").send_keys("Morgen bellen <b>om 10 uur</b>")
    browser.find_element(By.ID, "add-note").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "Morgen bellen <b>om 10 uur</b>"))
    browser.find_element(By.ID, "close").click()  # the confirmation step
    wait.until(ec.element_to_be_clickable((By.ID, "confirm-close")))
    browser.find_element(By.ID, "close-note").send_keys("Samen naar de huiskamer geweest")
    browser.find_element(By.ID, "confirm-close").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "afgerond"))
    assert "Samen naar de huiskamer geweest" in browser.find_element(By.ID, "timeline").text
    assert browser.find_element(By.ID, "reopen").is_displayed()
    browser.save_screenshot(str(tmp_path / "detail.png"))
