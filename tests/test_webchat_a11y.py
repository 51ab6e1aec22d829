"""The welcoming web chat (issue 18, point 5) in a real headless browser (Debian's
chromium + chromedriver): the greeting without typing, larger text and high
contrast, "deel mijn locatie", keyboard use, and axe-core's WCAG 2.2 AA rules.

axe-core is vendored in tests/vendor/ (axe.min.js 4.x, MPL-2.0, licence next to
it): the test needs no network and always runs the same rules."""
import json
import os
from pathlib import Path

import pytest

from tests.conftest import chromium_driver, close_driver, phone_driver

pytestmark = [pytest.mark.model, pytest.mark.browser]

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MARKT = {"latitude": 50.8514, "longitude": 5.6910, "accuracy": 30}  # the Markt, Maastricht
GREETING_BUTTON = "//div[@class='buttons']/button[contains(., 'Plek om mensen te ontmoeten')]"


@pytest.fixture
def phone():
    driver = phone_driver()
    try:
        yield driver
    finally:
        close_driver(driver)


@pytest.fixture
def desktop():
    driver = chromium_driver("1280,900")
    try:
        yield driver
    finally:
        close_driver(driver)


def wait(driver, seconds=120):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds)


def open_chat(driver, service_url):
    """The page, once the greeting's buttons are there (nothing typed)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(f"{service_url}/chat")
    try:
        return wait(driver).until(ec.element_to_be_clickable((By.XPATH, GREETING_BUTTON)))
    except TimeoutException:
        raise AssertionError("no greeting buttons; the page shows: "
                             + driver.find_element(By.TAG_NAME, "body").text) from None


def screenshot(driver, tmp_path, name):
    """Saved for a person to look at (ONTMOET_SCREENSHOTS=dir keeps them)."""
    folder = Path(os.environ.get("ONTMOET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))


def settle(driver):
    """Wait until no CSS transition or animation runs: axe reads colours from the
    computed style, and halfway through a button's hover fade (the pointer rests
    on the button just clicked) text and background are half-changed, a state no
    resident sees for longer than 0.15 s (a CI run failed on exactly that)."""
    wait(driver, 10).until(lambda d: d.execute_script(
        "return document.getAnimations().every(a => a.playState !== 'running')"))


def axe_violations(driver):
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations of the page once it is still."""
    settle(driver)
    driver.set_script_timeout(60)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(function (r) { done(r.violations); })"
        ".catch(function (e) { done({error: String(e)}); });", WCAG_TAGS)
    assert isinstance(result, list), result
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result]


def assert_no_violations(driver, where):
    violations = axe_violations(driver)
    if violations:
        print(f"axe violations ({where}):\n" + json.dumps(violations, indent=2))
    assert violations == [], f"WCAG 2.2 AA violations {where}: {[v['id'] for v in violations]}"


def test_the_chat_opens_with_the_greeting_and_main_buttons_without_typing(phone, service_url):
    from selenium.webdriver.common.by import By

    first = open_chat(phone, service_url)
    log = phone.find_element(By.ID, "log")
    assert "digitale assistent" in log.text and "Waar kan ik u mee helpen?" in log.text
    assert first.tag_name == "button"
    assert [b.text for b in log.find_elements(By.CSS_SELECTOR, ".buttons button")] == [
        "Plek om mensen te ontmoeten", "Wat kan ik vragen?", "Makkelijker"]
    assert not log.find_elements(By.CSS_SELECTOR, ".me")  # the page typed nothing for them
    assert phone.execute_script("return document.documentElement.lang") == "nl"
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"

    # A reload of the same conversation does not greet again (a form stays as it was).
    phone.refresh()
    wait(phone).until(lambda d: "Welkom terug" in d.find_element(By.ID, "log").text)
    assert not phone.find_elements(By.XPATH, GREETING_BUTTON)


def test_everything_is_reached_with_the_keyboard_and_nothing_traps_it(phone, service_url):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_chat(phone, service_url)
    phone.find_element(By.TAG_NAME, "h1").click()  # Tab starts from the top of the page
    seen = []
    for _ in range(15):
        ActionChains(phone).send_keys(Keys.TAB).perform()
        seen.append(phone.execute_script(
            "var e = document.activeElement; return e.id || e.textContent.trim();"))
    expected = ["large", "contrast", "new", "log", "Plek om mensen te ontmoeten",
                "Wat kan ik vragen?", "Makkelijker", "locate", "text", "send"]
    assert seen[:len(expected)] == expected
    # After the last control Tab goes on (to the browser) and comes back to the first.
    assert "large" in seen[len(expected):]
    # Visible focus: the focused control has an outline.
    outline = phone.execute_script(
        "var s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth];")
    assert outline[0] == "solid" and float(outline[1].rstrip("px")) >= 2
    # Enter on a focused greeting button continues the conversation.
    button = phone.find_element(By.XPATH, GREETING_BUTTON)
    phone.execute_script("arguments[0].focus()", button)
    ActionChains(phone).send_keys(Keys.ENTER).perform()
    wait(phone).until(lambda d: "In welke buurt woont u?" in d.find_element(By.ID, "log").text)


def test_larger_text_and_high_contrast_switch_and_are_remembered(phone, service_url):
    from selenium.webdriver.common.by import By

    open_chat(phone, service_url)
    style = ("var s = getComputedStyle(document.body);"
             "return [parseFloat(s.fontSize), s.backgroundColor, s.color];")
    size, background, colour = phone.execute_script(style)
    assert background == "rgb(255, 255, 255)"
    large = phone.find_element(By.ID, "large")
    contrast = phone.find_element(By.ID, "contrast")
    assert large.get_attribute("aria-pressed") == contrast.get_attribute("aria-pressed") == "false"

    large.click()
    assert large.get_attribute("aria-pressed") == "true"
    bigger = phone.execute_script(style)[0]
    assert bigger >= size * 1.25
    bubble = phone.find_element(By.CSS_SELECTOR, ".msg.bot")
    assert float(bubble.value_of_css_property("font-size").rstrip("px")) >= size * 1.25

    contrast.click()
    assert contrast.get_attribute("aria-pressed") == "true"
    _, background, colour = phone.execute_script(style)
    assert (background, colour) == ("rgb(0, 0, 0)", "rgb(255, 255, 255)")
    button = phone.find_element(By.XPATH, GREETING_BUTTON)
    assert button.value_of_css_property("color") == "rgba(255, 255, 0, 1)"

    # Remembered on this browser (only these choices; the conversation is not stored).
    assert json.loads(phone.execute_script("return localStorage.getItem('ontmoet-weergave')")) == {
        "large": True, "contrast": True}
    phone.refresh()
    wait(phone).until(lambda d: d.find_element(By.ID, "log").text)
    assert phone.execute_script(style)[1] == "rgb(0, 0, 0)"
    assert phone.find_element(By.ID, "large").get_attribute("aria-pressed") == "true"
    phone.find_element(By.ID, "contrast").click()
    assert phone.execute_script(style)[1] == "rgb(255, 255, 255)"


def test_a_system_that_asks_for_more_contrast_gets_it(phone, service_url):
    from selenium.webdriver.common.by import By

    phone.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-contrast", "value": "more"},
        {"name": "prefers-reduced-motion", "value": "reduce"}]})
    open_chat(phone, service_url)
    assert phone.find_element(By.ID, "contrast").get_attribute("aria-pressed") == "true"
    assert phone.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    button = phone.find_element(By.XPATH, GREETING_BUTTON)
    assert button.value_of_css_property("transition-duration") == "0s"  # reduced motion


def grant_location(driver, service_url, where=MARKT):
    driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": service_url, "permissions": ["geolocation"]})
    driver.execute_cdp_cmd("Emulation.setGeolocationOverride", where)


def test_deel_mijn_locatie_finds_places_nearby(phone, service, service_url, tmp_path):
    from selenium.webdriver.common.by import By

    grant_location(phone, service_url)
    open_chat(phone, service_url)
    phone.find_element(By.ID, "locate").click()
    wait(phone).until(lambda d: "Mijn locatie gedeeld" in d.find_element(By.ID, "log").text)
    wait(phone).until(lambda d: "gemeten vanaf uw locatie" in d.find_element(By.ID, "log").text)
    log = phone.find_element(By.ID, "log").text
    assert "Binnenstad" in log  # the places near the Markt, measured from the location itself
    assert "50.85" not in log and "5.69" not in log  # coordinates are not shown back
    logged = service.log_text()
    assert "50.851" not in logged and "5.691" not in logged  # nor written to the operator's log
    screenshot(phone, tmp_path, "webchat-390-location")


def test_the_assistants_own_location_button_uses_the_browser(phone, service_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    grant_location(phone, service_url)
    open_chat(phone, service_url).click()
    offered = wait(phone).until(ec.element_to_be_clickable(
        (By.XPATH, "//div[@class='buttons']/button[contains(., 'Deel mijn locatie')]")))
    offered.click()
    wait(phone).until(lambda d: "Binnenstad" in d.find_element(By.ID, "log").text)


def test_a_refused_location_gets_a_kind_message(phone, service_url):
    from selenium.webdriver.common.by import By

    phone.execute_cdp_cmd("Browser.setPermission", {
        "origin": service_url, "permission": {"name": "geolocation"}, "setting": "denied"})
    open_chat(phone, service_url)
    phone.find_element(By.ID, "locate").click()
    wait(phone).until(lambda d: "uw locatie blijft bij u" in d.find_element(By.ID, "log").text)
    assert "Mijn locatie gedeeld" not in phone.find_element(By.ID, "log").text


def test_no_wcag_22_aa_violations_on_a_phone_in_both_themes(phone, service_url, tmp_path):
    from selenium.webdriver.common.by import By

    open_chat(phone, service_url)
    assert phone.execute_script("return window.innerWidth") == 390
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert_no_violations(phone, "390 px, normal")
    screenshot(phone, tmp_path, "webchat-390")
    phone.find_element(By.ID, "contrast").click()
    phone.find_element(By.ID, "large").click()
    assert phone.execute_script("return document.documentElement.scrollWidth") <= 390
    assert_no_violations(phone, "390 px, high contrast, larger text")
    screenshot(phone, tmp_path, "webchat-390-contrast")


def test_no_wcag_22_aa_violations_on_a_desktop_in_both_themes(desktop, service_url, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    open_chat(desktop, service_url).click()
    # a conversation with a resident's message and the assistant's location button
    wait(desktop).until(ec.element_to_be_clickable(
        (By.XPATH, "//div[@class='buttons']/button[contains(., 'Deel mijn locatie')]")))
    assert_no_violations(desktop, "desktop, normal")
    screenshot(desktop, tmp_path, "webchat-desktop")
    desktop.find_element(By.ID, "contrast").click()
    assert_no_violations(desktop, "desktop, high contrast")
    screenshot(desktop, tmp_path, "webchat-desktop-contrast")


def test_the_page_language_follows_the_conversation(phone, service_url):
    """A resident who writes English gets an English page (lang="en", the page's own
    buttons in English) and back to Dutch when asking for Dutch."""
    from selenium.webdriver.common.by import By

    open_chat(phone, service_url)
    box = phone.find_element(By.ID, "text")
    box.send_keys("Hello, I feel very lonely and I do not know anyone here")
    phone.find_element(By.ID, "send").click()
    wait(phone).until(lambda d: "Being alone is hard" in d.find_element(By.ID, "log").text)
    assert phone.execute_script("return document.documentElement.lang") == "en"
    assert phone.find_element(By.ID, "send").text == "Send"
    assert phone.find_element(By.ID, "contrast").text == "High contrast"
    assert phone.find_element(By.ID, "text").get_attribute("placeholder") == "Type your question here"
    assert phone.find_elements(By.CSS_SELECTOR, ".msg.bot")[-1].get_attribute("lang") == "en"
    assert_no_violations(phone, "390 px, English")
    box.send_keys("Nederlands graag")
    phone.find_element(By.ID, "send").click()
    wait(phone).until(lambda d: "vanaf nu praat ik Nederlands" in d.find_element(By.ID, "log").text)
    assert phone.execute_script("return document.documentElement.lang") == "nl"
    assert phone.find_element(By.ID, "send").text == "Stuur"
