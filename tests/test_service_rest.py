"""End-to-end through the REST channel of the running service (test model)."""
import uuid

import pytest

from tests.conftest import reply_text, tracker_of

pytestmark = pytest.mark.model


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_first_slice_malberg_names_t_ruweel(chat):
    sender = new_sender()
    greeting = chat(sender, "hallo")
    assert "digitale assistent" in reply_text(greeting)
    answer = reply_text(chat(sender, "Is er een buurthuis in Malberg?"))
    assert "'t Ruweel" in answer
    assert "Malberg" in answer
    assert "Graag gedaan" in reply_text(chat(sender, "dank je"))
    assert "Dag" in reply_text(chat(sender, "doei"))


def test_recipient_is_the_sender_not_the_pseudonym(chat):
    sender = new_sender()
    replies = chat(sender, "hallo")
    assert replies and all(r["recipient_id"] == sender for r in replies)


def test_buttons_are_tokens_that_work_for_their_resident_only(chat, service):
    sender = new_sender()
    greeting = chat(sender, "hallo")
    buttons = [b for r in greeting for b in r.get("buttons", [])]
    assert buttons, "the greeting offers buttons"
    find = next(b for b in buttons if "ontmoeten" in b["title"])
    assert find["payload"].startswith("knop:")
    assert "/" not in find["payload"]
    # The same token from another resident is plain text for the NLU, not the
    # button's payload (what the classifier then makes of "knop:..." is its guess).
    stranger = new_sender()
    chat(stranger, find["payload"])
    latest = tracker_of(service, stranger)["latest_message"]
    assert latest["text"] == find["payload"]
    assert latest["intent"].get("confidence", 0) < 1.0
    # For its own resident the token acts as the button: the search starts.
    assert "In welke buurt woont u?" in reply_text(chat(sender, find["payload"]))
    latest = tracker_of(service, sender)["latest_message"]
    assert latest["text"] == "/find_meeting_place" and latest["intent"]["name"] == "find_meeting_place"


def test_typed_rasa_syntax_does_not_steer_the_assistant(chat, service):
    sender = new_sender()
    chat(sender, "hallo")
    chat(sender, '/bot_challenge{"buurt": "Atlantis"}')
    tracker = tracker_of(service, sender)
    # Rasa's RegexMessageHandler would have set this slot and intent at confidence 1.
    assert tracker["slots"].get("buurt") != "Atlantis"
    assert not tracker["latest_message"]["text"].startswith("/")
    assert tracker["latest_message"]["intent"].get("confidence", 0) < 1.0


def test_sender_ids_are_pseudonymised_in_the_tracker_store(chat, service):
    sender = new_sender()
    chat(sender, "hallo")
    tracker = tracker_of(service, sender)
    assert tracker["sender_id"] != sender and sender not in tracker["sender_id"]


def test_bad_requests_get_a_clear_status(service_url):
    import httpx

    url = f"{service_url}/webhooks/rest/webhook"
    assert httpx.post(url, content=b"{not json", timeout=10).status_code == 400
    assert httpx.post(url, json={"message": "hallo"}, timeout=10).status_code == 400
    assert httpx.post(url, json=["x"], timeout=10).status_code == 400
    empty = httpx.post(url, json={"sender": "x", "message": ""}, timeout=10)
    assert empty.status_code == 200 and "leeg bericht" in empty.json()[0]["text"]


def test_chat_page_is_served(service_url):
    import httpx

    page = httpx.get(f"{service_url}/chat", follow_redirects=True, timeout=10)
    assert page.status_code == 200
    assert "Ontmoeten in Maastricht" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
