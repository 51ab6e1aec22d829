"""The web chat in a real headless browser (Debian's chromium + chromedriver)."""
import pytest

from tests.conftest import chromium_driver, close_driver

pytestmark = [pytest.mark.model, pytest.mark.browser]


@pytest.fixture
def browser():
    driver = chromium_driver("390,844")
    try:
        yield driver
    finally:
        close_driver(driver)


def test_resident_types_a_message_and_sees_the_reply(browser, service_url, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{service_url}/chat")
    box = browser.find_element(By.ID, "text")
    box.send_keys("hallo")
    browser.find_element(By.ID, "send").click()
    wait = WebDriverWait(browser, 60)
    wait.until(ec.text_to_be_present_in_element((By.ID, "log"), "digitale assistent"))
    # Buttons are real buttons; pressing one continues the conversation.
    button = wait.until(ec.element_to_be_clickable(
        (By.XPATH, "//div[@class='buttons']/button[contains(., 'ontmoeten')]")))
    button.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "log"), "In welke buurt woont u?"))
    box.send_keys("Malberg")
    browser.find_element(By.ID, "send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "log"), "Ruweel"))
    font_size = browser.execute_script(
        "return parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 20, "large text for seniors"
    browser.save_screenshot(str(tmp_path / "webchat.png"))


def test_shared_computer_nieuw_gesprek_and_an_httponly_conversation_cookie(browser, service_url):
    """The id is the server's HttpOnly cookie (the page's script cannot read it);
    "Nieuw gesprek" empties the screen and the next message starts afresh."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{service_url}/chat")
    wait = WebDriverWait(browser, 60)
    browser.find_element(By.ID, "text").send_keys("hallo")
    browser.find_element(By.ID, "send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "log"), "digitale assistent"))
    cookies = {c["name"]: c for c in browser.get_cookies()}
    first = cookies["ontmoet_chat"]
    assert first["httpOnly"] is True and first.get("sameSite") == "Strict"
    assert "expiry" in first  # not a session-forever cookie
    assert "ontmoet_chat" not in browser.execute_script("return document.cookie")
    assert browser.execute_script("return window.localStorage.length") == 0

    browser.find_element(By.ID, "new").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "log"), "gestopt"))
    assert "digitale assistent" not in browser.find_element(By.ID, "log").text
    assert "ontmoet_chat" not in {c["name"] for c in browser.get_cookies()}

    browser.find_element(By.ID, "text").send_keys("hallo")
    browser.find_element(By.ID, "send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "log"), "digitale assistent"))
    second = {c["name"]: c for c in browser.get_cookies()}["ontmoet_chat"]
    assert second["value"].split(".")[0] != first["value"].split(".")[0]
