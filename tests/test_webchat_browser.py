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
