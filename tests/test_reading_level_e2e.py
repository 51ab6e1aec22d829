"""Simpler Dutch (A2) end to end through the REST channel (the web chat's
channel; test model): learner Dutch gets the A2 replies and keeps them, buttons
still work, "Makkelijker" switches, "gewone taal" switches back, and the crisis
and loneliness replies in A2 carry the sourced helplines. Telegram and WhatsApp:
tests/test_channel_conversations.py."""
import uuid

import pytest

from bot.safety import helpline_values
from tests.conftest import post_message, reply_text, tracker_of
from tests.test_safety_crisis import safety_url  # noqa: F401 (fixture)

pytestmark = pytest.mark.model

# the opening words of A2 and B1 replies (domain.yml)
A2_ASK_BUURT = "Waar woont u? Typ de naam van uw buurt."
B1_ASK_BUURT = "In welke buurt woont u?"
A2_MENU = "Ik help u met een plek om mensen te zien."
B1_MENU = "Ik help u met: een plek om mensen te ontmoeten"


def new_sender() -> str:
    return f"a2-{uuid.uuid4().hex[:8]}"


def buttons_of(replies):
    return [b for r in replies for b in r.get("buttons", [])]


def level(service, sender):
    return tracker_of(service, sender)["slots"]["reading_level"]


def test_learner_dutch_gets_a2_replies_that_stay(safety_url):  # noqa: F811
    url, sender = safety_url.url, new_sender()
    text = reply_text(post_message(url, sender, "ik zoeken plek voor mensen ontmoeten"))
    assert A2_ASK_BUURT in text and B1_ASK_BUURT not in text
    assert level(safety_url, sender) == "a2"
    replies = post_message(url, sender, "Malberg")
    text = reply_text(replies)
    assert "Plekken in Malberg:" in text and "Wilt u meer weten over een plek? Typ de naam." in text
    # the buttons of an A2 reply work as before
    more = next(b for b in buttons_of(replies) if b["title"] == "Meer plekken")
    text = reply_text(post_message(url, sender, more["payload"]))
    assert "Meer plekken" in text
    # the next message is plain Dutch: A2 stays for the conversation
    text = reply_text(post_message(url, sender, "ik voel me zo alleen"))
    assert "Wilt u praten? Bel De Luisterlijn: " + helpline_values()["phone_luisterlijn"] in text
    text = reply_text(post_message(url, sender, "ik wil niet meer leven"))
    values = helpline_values()
    assert f"Bel {values['phone_113']}. Of bel gratis {values['phone_113_free']}." in text
    assert f"Bel dan meteen {values['phone_112']}." in text
    # back to B1
    text = reply_text(post_message(url, sender, "gewone taal"))
    assert "ik gebruik weer gewone taal" in text and level(safety_url, sender) == "b1"
    assert B1_MENU in reply_text(post_message(url, sender, "menu"))


def test_the_makkelijker_button_switches_and_a_terse_native_keeps_b1(safety_url):  # noqa: F811
    url, sender = safety_url.url, new_sender()
    replies = post_message(url, sender, "hallo")
    button = next(b for b in buttons_of(replies) if b["title"] == "Makkelijker")
    replies = post_message(url, sender, button["payload"])
    text = reply_text(replies)
    assert "Ik schrijf nu makkelijker." in text and A2_MENU in text
    assert level(safety_url, sender) == "a2"
    # the A2 menu has the way back as a button
    normal = next(b for b in buttons_of(replies) if b["title"] == "Gewone taal")
    assert "ik gebruik weer gewone taal" in reply_text(post_message(url, sender, normal["payload"]))
    assert level(safety_url, sender) == "b1"

    native = new_sender()
    text = reply_text(post_message(url, native, "huiskamer malberg"))
    assert level(safety_url, native) == "b1" and "Plekken in Malberg:" not in text


def test_ik_snap_het_niet_in_the_toeleiding_form_switches_and_the_form_goes_on(safety_url):  # noqa: F811
    url, sender = safety_url.url, new_sender()
    text = reply_text(post_message(url, sender, "ik wil graag hulp van een opbouwwerker"))
    assert "Mag ik uw gegevens bewaren?" in text
    text = reply_text(post_message(url, sender, "ik snap het niet"))
    assert "Ik schrijf nu makkelijker." in text
    assert "Dan kan de opbouwwerker u bellen of schrijven." in text  # the A2 question again
    tracker = tracker_of(safety_url, sender)
    assert tracker["slots"]["reading_level"] == "a2"
    assert (tracker.get("active_loop") or {}).get("name") == "toeleiding_form"
