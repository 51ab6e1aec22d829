"""The web chat in a real headless browser (Debian's chromium + chromedriver)."""
import shutil
import tempfile

import pytest

pytestmark = [pytest.mark.model, pytest.mark.browser]


@pytest.fixture
def browser():
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("chromium/chromedriver not installed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
        f"--user-data-dir={profile}", "--window-size=390,844",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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
