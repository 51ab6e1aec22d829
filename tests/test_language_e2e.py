"""Language access end to end through the REST channel (test model): an English
conversation, a catalogue language leading into the handoff with the language
recorded, and "Nederlands graag" switching back."""
import uuid

import pytest

from bot.catalogue import text as catalogue_text
from tests.conftest import post_message, reply_text, tracker_of
from tests.test_safety_crisis import safety_url  # noqa: F401 (fixture)

pytestmark = pytest.mark.model


def new_sender() -> str:
    return f"lang-{uuid.uuid4().hex[:8]}"


def buttons_of(replies):
    return [b for r in replies for b in r.get("buttons", [])]


def test_an_english_conversation(safety_url):  # noqa: F811
    url, sender = safety_url.url, new_sender()
    text = reply_text(post_message(url, sender, "Hello, I feel very lonely and I do not know anyone here"))
    assert "Being alone is hard" in text and "De Luisterlijn" in text
    assert tracker_of(safety_url, sender)["slots"]["language"] == "en"
    text = reply_text(post_message(url, sender, "I really want to end my life"))
    assert "Call 113" in text and "0800-0113" in text and "112" in text
    assert "I can help with" in reply_text(post_message(url, sender, "menu"))
    assert "let us start again" in reply_text(post_message(url, sender, "start over"))
    post_message(url, sender, "ok")  # a short message keeps the language
    assert tracker_of(safety_url, sender)["slots"]["language"] == "en"
    assert "vanaf nu praat ik Nederlands" in reply_text(post_message(url, sender, "Nederlands graag"))
    assert tracker_of(safety_url, sender)["slots"]["language"] == "nl"
    text = reply_text(post_message(url, sender, "ik wil niet meer leven"))
    assert "Bel 113" in text


@pytest.mark.parametrize("opening, language", [
    ("Merhaba, yardım istiyorum", "tr"),
    ("Dzień dobry, potrzebuję pomocy w Maastricht", "pl"),
    ("Добрий день, мені потрібна допомога", "uk"),
    ("مرحبا، أنا أبحث عن مساعدة", "ar"),
    ("سلام، من دنبال کمک هستم", "fa"),
    ("ሰላም፡ ሓገዝ ይደሊ ኣለኹ", "ti"),
])
def test_a_catalogue_language_gets_its_key_replies_and_the_offer_of_a_person(
    safety_url, opening, language  # noqa: F811
):
    url, sender = safety_url.url, new_sender()
    replies = post_message(url, sender, opening)
    text = reply_text(replies)
    assert catalogue_text("language_can_do", language) in text
    assert catalogue_text("language_person_offer", language) in text
    slots = tracker_of(safety_url, sender)["slots"]
    assert slots["language"] == language and slots["preferred_language"] == language
    person = next(b for b in buttons_of(replies)
                  if b["title"] == catalogue_text("language_person_button", language))
    post_message(url, sender, person["payload"])
    tracker = tracker_of(safety_url, sender)
    assert tracker["latest_message"]["intent"]["name"] == "request_toeleiding"
    assert tracker["slots"]["preferred_language"] == language  # recorded for the handoff


def test_the_english_button_switches_a_catalogue_language_to_english(safety_url):  # noqa: F811
    url, sender = safety_url.url, new_sender()
    replies = post_message(url, sender, "Türkçe konuşuyor musunuz")
    english = next(b for b in buttons_of(replies)
                   if b["title"] == catalogue_text("language_english_button", "tr"))
    assert "from now on I answer in English" in reply_text(post_message(url, sender, english["payload"]))
    assert tracker_of(safety_url, sender)["slots"]["language"] == "en"
