"""End to end through the REST channel: the real service (`ontmoet serve`) on the
trained test model with an action server, both on one var dir, so the request
the assistant confirms can be looked up in the queue database it was stored in.

A full resident conversation ends with a stored request and its reference;
"verwijder mijn gegevens" then erases it and the conversation.
"""
from __future__ import annotations

import re

import httpx
import pytest

from bot.channels.common import pseudonymise
from tests.conftest import (
    API_TOKEN,
    handoff_stack,
    post_message,
)

pytestmark = pytest.mark.model

SENDER = "resident-e2e-handoff"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Action server + service sharing one var dir and one tracker store."""
    with handoff_stack(tmp_path_factory.mktemp("handoff-e2e")) as stack:
        yield stack


def say(service, message: str) -> str:
    replies = post_message(service.url, SENDER, message)
    return "\n".join(r.get("text", "") for r in replies if isinstance(r, dict))


def test_full_conversation_stores_the_request_and_gives_its_reference(stack):
    service, queue, tracker_url = stack
    key = pseudonymise("rest", SENDER, service.env["ONTMOET_PSEUDONYM_KEY"].encode())

    answer = say(service, "kan iemand met mij meegaan naar de koffieochtend")
    assert "opbouwwerker" in answer and "bewaren" in answer, answer
    answer = say(service, "ja")
    assert "Hoe wilt u contact" in answer, answer
    answer = say(service, '/inform_handoff{"handoff_choice": "chat"}')
    assert "buurt" in answer, answer
    answer = say(service, "Malberg")
    assert "Waar zoekt u hulp bij" in answer, answer
    assert queue.status_for_resident(key) == [], "nothing stored before the summary"
    answer = say(service, "iemand die met mijn moeder meegaat naar de koffieochtend")
    assert "taal" in answer, answer
    answer = say(service, '/inform_handoff{"handoff_choice": "nl"}')
    assert "Wanneer" in answer, answer
    answer = say(service, '/inform_handoff{"handoff_choice": "ochtend"}')
    assert "Klopt dit?" in answer and "Malberg" in answer and "in deze chat" in answer, answer
    answer = say(service, "ja")

    stored = queue.open_requests_for_resident(key)
    assert len(stored) == 1, answer
    request = stored[0]
    assert re.search(rf"\b{request.reference}\b", answer), answer
    assert (request.buurt, request.contact_method, request.channel) == ("Malberg", "chat", "rest")
    assert request.reason == "iemand die met mijn moeder meegaat naar de koffieochtend"
    assert request.consent is True

    # the status in plain words
    answer = say(service, "is mijn vraag al opgepakt")
    assert request.reference in answer and "ontvangen" in answer, answer

    # verwijder mijn gegevens: confirm, erase, told what was erased
    answer = say(service, "verwijder mijn gegevens")
    assert "wis" in answer, answer
    answer = say(service, "ja")
    assert "gewist" in answer, answer
    view = queue.get(request.reference)
    assert view.resident_key is None and view.reason is None and view.status == "geannuleerd"

    # what Rasa stored afterwards holds nothing of the conversation
    tracker = httpx.get(f"{service.url}/conversations/{key}/tracker",
                        params={"token": API_TOKEN, "include_events": "ALL"}, timeout=10).json()
    dumped = str(tracker["events"]) + str(tracker["slots"])
    assert "koffieochtend" not in dumped and "Malberg" not in dumped
    from sqlalchemy import create_engine, text

    engine = create_engine(tracker_url, future=True)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("SELECT data FROM events WHERE sender_id = :s"),
                                           {"s": key})]
    engine.dispose()
    assert rows and not any("koffieochtend" in row or "Malberg" in row for row in rows)
