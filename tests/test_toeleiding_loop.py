"""Toeleiding as a two-way conversation, the whole loop in a real browser (issue 19).

The real service (`ontmoet serve`, trained test model) and action server on one
var dir; one headless Chromium with two tabs: a resident on the web chat and an
opbouwwerker on the dashboard. The resident asks for a person (the toeleiding
form), the request appears on the open dashboard without a reload, the
opbouwwerker claims it and writes, the resident answers in plain
words, the answer appears in the timeline without a reload (and the message
shows as delivered once the chat fetched it), they agree a moment ("afspraak gemaakt"), the
opbouwwerker closes with a closing note and a closing message that the web chat shows, and a
later message about the request still reaches the timeline instead of starting a new form.
"""
from __future__ import annotations

import re

import pytest

from bot.handoff.routing import RosterCache
from bot.staff.accounts import StaffAccounts
from tests.conftest import chromium_driver, close_driver, handoff_stack
from tests.test_handoff_support import write_roster

pytestmark = [pytest.mark.model, pytest.mark.browser]

PASSWORD = "loop-test-wachtwoord"
PROPOSAL = "Zullen we donderdagmiddag samen wandelen vanaf het gemeenschapshuis?"
ANSWER = "Ja graag, donderdag om 14 uur is goed!"
MOMENT = "donderdag 14 uur bij het gemeenschapshuis"
CLOSING_NOTE = "Samen gewandeld; komt voortaan naar de koffieochtend"
CLOSING_MESSAGE = "Fijn dat we donderdag gaan wandelen. Tot dan!"
LATER = "kunt u haar een bericht sturen?"


@pytest.fixture
def loop(tmp_path):
    staff_file = write_roster(tmp_path / "staff.yml")
    with handoff_stack(tmp_path, ONTMOET_STAFF_FILE=str(staff_file)) as (service, queue, _):
        StaffAccounts(queue.engine, RosterCache(staff_file)).add("ow-west", PASSWORD)
        driver = chromium_driver("1000,900")
        try:
            yield service, queue, driver
        finally:
            close_driver(driver)


class WebChat:
    def __init__(self, driver, wait):
        from selenium.webdriver.common.by import By

        self.driver, self.wait, self.by = driver, wait, By

    def log(self) -> str:
        return self.driver.find_element(self.by.ID, "log").text

    def says(self, text: str, expect: str) -> None:
        before = len(self.log())
        self.driver.find_element(self.by.ID, "text").send_keys(text)
        self.driver.find_element(self.by.ID, "send").click()
        self.until(expect, before)

    def presses(self, title: str, expect: str) -> None:
        before = len(self.log())
        buttons = self.wait.until(lambda d: [
            b for b in d.find_elements(self.by.XPATH, "//div[@class='buttons']/button")
            if b.is_enabled() and re.search(title, b.text, re.IGNORECASE)])
        buttons[-1].click()
        self.until(expect, before)

    def until(self, expect: str, before: int = 0) -> None:
        self.wait.until(lambda d: re.search(expect, self.log()[before:]),
                        message=f"no {expect!r} in the chat:\n{self.log()[before:]}")


def test_resident_and_opbouwwerker_talk_through_the_request(loop):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    service, queue, driver = loop
    wait = WebDriverWait(driver, 60)
    chat = WebChat(driver, wait)

    # -- the opbouwwerker has the dashboard open ---------------------------------------
    staff_tab = driver.current_window_handle
    driver.get(f"{service.url}/staff/")
    wait.until(ec.presence_of_element_located((By.ID, "login-form")))
    driver.find_element(By.ID, "username").send_keys("ow-west")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-button").click()
    wait.until(ec.presence_of_element_located((By.ID, "queue-area")))  # empty still
    driver.execute_script("window.notReloaded = 'ja';")

    # -- the resident asks for a person on the web chat --------------------------------
    driver.switch_to.new_window("tab")
    resident_tab = driver.current_window_handle
    driver.get(f"{service.url}/chat")
    chat.says("kan iemand met mij meegaan naar de koffieochtend", expect="bewaren")
    chat.presses("^ja", expect="Hoe wilt u contact")
    chat.presses("chat", expect="buurt")
    chat.says("Malberg", expect="Waar zoekt u hulp bij")
    chat.says("iemand om samen mee te wandelen", expect="taal")
    chat.presses("Nederlands", expect="Wanneer")
    chat.presses("ochtend", expect="Klopt dit?")
    chat.presses("^ja", expect=r"T-\d{4}")
    (request,) = queue.list()
    reference = request.reference

    # -- the new request appears on the dashboard without a reload; claim and write ---
    driver.switch_to.window(staff_tab)
    wait.until(ec.text_to_be_present_in_element((By.ID, "queue-area"), reference))
    assert driver.execute_script("return window.notReloaded;") == "ja"
    driver.find_element(By.LINK_TEXT, reference).click()
    wait.until(ec.element_to_be_clickable((By.ID, "claim"))).click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "flash"), "opgepakt"))
    driver.find_element(By.ID, "reply").send_keys(PROPOSAL)
    driver.find_element(By.ID, "send-reply").click()
    # honest: the web chat has not fetched it yet
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"),
                                                "wacht tot de bewoner weer schrijft"))
    assert "verstuurd" not in driver.find_element(By.ID, "flash").text
    driver.execute_script("window.notReloaded = 'ja';")

    # -- the resident sees it (the page polls its inbox) and answers in plain words ---
    driver.switch_to.window(resident_tab)
    chat.until(re.escape(PROPOSAL))
    chat.says(ANSWER, expect="doorgegeven aan de opbouwwerker")
    assert "begreep ik niet" not in chat.log()

    # -- the answer appears in the timeline without a reload; the message: delivered --
    driver.switch_to.window(staff_tab)
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), ANSWER))
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "afgeleverd"))
    assert driver.execute_script("return window.notReloaded;") == "ja"
    assert "Bericht van bewoner" in driver.find_element(By.ID, "timeline").text
    notes = queue.show(reference).notes
    assert [(n.kind, n.text) for n in notes][-2:] == [("reply", PROPOSAL), ("resident", ANSWER)]
    assert notes[-2].delivery == "delivered"

    # -- they agree a moment; the opbouwwerker closes with a note and a closing message -
    driver.find_element(By.ID, "contact-note").send_keys(MOMENT)
    driver.find_element(By.ID, "contact-afspraak").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "Afspraak gemaakt"))
    driver.find_element(By.ID, "close").click()
    wait.until(ec.presence_of_element_located((By.ID, "close-form")))
    driver.find_element(By.ID, "close-note").send_keys(CLOSING_NOTE)
    driver.find_element(By.ID, "close-message").send_keys(CLOSING_MESSAGE)
    driver.find_element(By.ID, "confirm-close").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "afgerond"))

    # -- the resident gets the closing message; a later message still reaches them -----
    driver.switch_to.window(resident_tab)
    chat.until(re.escape(CLOSING_MESSAGE))
    chat.says(LATER, expect="afgerond")
    assert "Klopt dit" not in chat.log().split(LATER)[-1], "no new request form"
    assert len(queue.list()) == 1
    notes = queue.show(reference).notes
    assert [(n.kind, n.text) for n in notes][-4:] == [
        ("note", MOMENT), ("closing", CLOSING_NOTE), ("reply", CLOSING_MESSAGE),
        ("resident", LATER)]
    assert notes[-2].delivery == "delivered"  # the web chat fetched the closing message
