"""The resident side of toeleiding: the handoff form, status and withdrawing.

The actions of actions/handoff.py are driven the way Rasa drives them (the
form's validation action after each user message, then the ask / submit
actions), against a real migrated SQLite queue. The Rasa dialogue itself is
tested by tests/test_handoff_stories.yml and, end to end, by
tests/test_handoff_dialogue_model.py.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.handoff as handoff
from bot.handoff.models import HandoffRequest
from bot.handoff.runtime import HandoffRuntime
from ontmoet_core.config import load_settings
from tests.test_handoff_support import _sqlite_template, new_request, queue, sqlite_url  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
RESIDENT = "pseudo-resident-1"


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml")).as_dict()


class FakeKnowledge:
    BUURTEN = {"malberg": "Malberg", "wittevrouwenveld": "Wittevrouwenveld", "mariaberg": "Mariaberg"}

    def resolve_buurt(self, text):
        name = self.BUURTEN.get(text.strip().lower())
        return type("Match", (), {"name": name})() if name else None

    def buurten_for_postcode(self, postcode):
        return ["Malberg"] if postcode == "6218" else []


REAL_STAFF = """
opbouwwerkers:
  - username: test-west
    name: Test West
    werkgebied: {stadsdelen: [West]}
coordinators:
  - username: test-coordinator
    name: Test Coordinator
"""


@pytest.fixture
def runtime(queue, monkeypatch, tmp_path):  # noqa: F811
    # a staff file that is not demo: the replies promise what the settings say
    staff = tmp_path / "staff.yml"
    staff.write_text(REAL_STAFF)
    settings = replace(load_settings({"ONTMOET_VAR_DIR": str(tmp_path)}),
                       handoff_expected_time="binnen 3 werkdagen", staff_file=staff)
    rt = HandoffRuntime(settings, queue=queue)
    monkeypatch.setattr(handoff, "handoff_runtime", lambda: rt)
    monkeypatch.setattr(handoff, "settings", lambda: settings)
    monkeypatch.setattr(handoff, "knowledge_base", lambda: FakeKnowledge())
    return rt


def message(intent: str, text: str = "", **entities) -> Dict[str, Any]:
    return {
        "intent": {"name": intent, "confidence": 1.0},
        "text": text or f"/{intent}",
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
    }


class Conversation:
    """The slots of one resident's conversation, driven like Rasa does."""

    def __init__(self, sender: str = RESIDENT, channel: str = "telegram", **slots) -> None:
        self.sender = sender
        self.channel = channel
        self.slots: Dict[str, Any] = {"requested_slot": None, **slots}
        self.active_loop: Optional[str] = None
        self.latest = message("greet", "hallo")
        self.said: List[dict] = []

    def tracker(self, latest_action: str = "action_listen") -> Tracker:
        events = [{"event": "user", "text": self.latest["text"], "parse_data": self.latest,
                   "input_channel": self.channel}]
        if latest_action != "action_listen":
            events.append({"event": "action", "name": latest_action})
        return Tracker(self.sender, dict(self.slots), self.latest, events, False, None,
                       {"name": self.active_loop} if self.active_loop else {}, latest_action)

    async def run(self, action, latest_action: str = "action_listen") -> list:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(latest_action), domain())
        self.said.extend(dispatcher.messages)
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            elif event.get("event") == "reset_slots":
                self.slots = {"requested_slot": None}
        return events

    async def form_step(self, validator, form: str) -> list:
        """One run of a form: validation, then Rasa's ask (or the end of the form)."""
        events = await self.run(validator, "action_listen")
        self.active_loop = form
        if not any(e.get("name") == "requested_slot" for e in events):
            # like Rasa's FormAction: the first empty slot of the form in the domain
            required = domain()["forms"][form]["required_slots"]
            self.slots["requested_slot"] = next(
                (slot for slot in required if self.slots.get(slot) is None), None)
        if self.slots["requested_slot"] is None:
            self.active_loop = None
        else:
            self.ask(self.slots["requested_slot"])
        return events

    def ask(self, slot: str) -> None:
        self.said.append({"response": f"utter_ask_{slot}"})

    def texts(self) -> List[str]:
        return [m.get("response") or m.get("text") for m in self.said]

    def last(self) -> dict:
        return self.said[-1]


async def start(conv: Conversation, intent="request_toeleiding", **entities):
    conv.latest = message(intent, "kan iemand met mij meegaan", **entities)
    if "handoff_kind" in entities:
        conv.slots["handoff_kind"] = entities["handoff_kind"]
    await conv.run(handoff.ActionStartToeleiding())
    await conv.form_step(handoff.ValidateToeleidingForm(), "toeleiding_form")


async def answer(conv: Conversation, intent: str, text: str = "", **entities):
    conv.said.clear()
    conv.latest = message(intent, text, **entities)
    return await conv.form_step(handoff.ValidateToeleidingForm(), "toeleiding_form")


def stored(queue) -> List[HandoffRequest]:  # noqa: F811
    with queue._sessions() as session:
        return session.execute(select(HandoffRequest)).scalars().all()


def test_all_texts_are_domain_responses():
    responses = domain()["responses"]
    for key in ("utter_handoff_intro", "utter_ask_handoff_consent", "utter_handoff_summary",
                "utter_handoff_stored", "utter_handoff_store_failed", "utter_ask_handoff_phone",
                "utter_handoff_no_consent", "utter_delete_done", "utter_ask_handoff_delete_confirm"):
        text = responses[key][0]["text"]
        assert len(text.split()) <= 60, key


# ---------------------------------------------------------------------------
# the form
# ---------------------------------------------------------------------------
async def test_full_request_in_this_chat_is_stored_and_confirmed_with_reference(runtime, queue):  # noqa: F811
    conv = Conversation()
    await start(conv)
    assert conv.said[0]["response"] == "utter_handoff_intro"
    assert conv.said[0]["expected_time"] == "binnen 3 werkdagen"
    assert conv.slots["requested_slot"] == "handoff_consent"

    await answer(conv, "affirm", "ja")
    assert conv.slots["requested_slot"] == "handoff_contact_method"
    await answer(conv, "inform_handoff", handoff_choice="chat")
    assert conv.slots["requested_slot"] == "handoff_buurt"  # no phone question for chat
    await answer(conv, "inform_handoff", "malberg")
    assert conv.slots["handoff_buurt"] == "Malberg"
    await answer(conv, "find_meeting_place", "iemand die meegaat naar de koffieochtend")
    assert conv.slots["handoff_reason"] == "iemand die meegaat naar de koffieochtend"
    await answer(conv, "inform_handoff", handoff_choice="nl")
    await answer(conv, "inform_handoff", handoff_choice="ochtend")
    assert conv.slots["requested_slot"] == "handoff_confirm"

    conv.said.clear()
    await conv.run(handoff.ActionAskHandoffConfirm())
    summary = conv.last()
    assert summary["response"] == "utter_handoff_summary"
    assert summary["contact"] == "in deze chat" and summary["buurt"] == "Malberg"
    assert summary["language"] == "Nederlands" and summary["moment"] == "ochtend"
    assert not stored(queue), "nothing is stored before the resident confirms"

    await answer(conv, "affirm", "ja")
    assert conv.active_loop is None
    conv.said.clear()
    await conv.run(handoff.ActionSubmitToeleiding())

    rows = stored(queue)
    assert len(rows) == 1
    row = rows[0]
    assert (row.resident_key, row.channel, row.contact_method) == (RESIDENT, "telegram", "chat")
    assert (row.buurt, row.kind, row.language) == ("Malberg", "toeleiding", "nl")
    assert row.stadsdeel == runtime.stadsdeel_for("Malberg")  # looked up for routing
    assert row.consent is True and row.contact_phone is None
    assert row.best_moment == "ochtend"
    confirmation = conv.last()
    assert confirmation["response"] == "utter_handoff_stored"
    assert confirmation["reference"] == row.reference
    assert conv.slots.get("handoff_consent") is None, "the form slots are cleared"


async def test_by_phone_with_a_wrong_number_first(runtime, queue):  # noqa: F811
    conv = Conversation(channel="whatsapp", buurt="Wittevrouwenveld", preferred_language="en")
    await start(conv, intent="request_human")
    assert conv.slots["handoff_buurt"] == "Wittevrouwenveld"
    await answer(conv, "affirm", "ja")
    await answer(conv, "inform_handoff", handoff_choice="telefoon")
    assert conv.slots["requested_slot"] == "handoff_phone"
    await answer(conv, "inform_handoff", "06 1234")
    assert conv.said[0]["response"] == "utter_handoff_phone_invalid"
    assert conv.slots["requested_slot"] == "handoff_phone"
    await answer(conv, "inform_handoff", "06 12345678")
    # buurt known and language pre-set: straight to the reason
    assert conv.slots["requested_slot"] == "handoff_reason"
    await answer(conv, "inform_handoff", "help for my mother")
    assert conv.slots["requested_slot"] == "handoff_best_moment"
    await answer(conv, "inform_handoff", handoff_choice="maakt_niet_uit")
    await answer(conv, "affirm", "ja")
    await conv.run(handoff.ActionSubmitToeleiding())
    row = stored(queue)[0]
    assert (row.contact_method, row.contact_phone, row.kind) == ("telefoon", "+31612345678", "mens")
    assert (row.language, row.buurt, row.channel, row.best_moment) == (
        "en",
        "Wittevrouwenveld",
        "whatsapp",
        None,
    )


async def test_phone_number_typed_instead_of_choosing(runtime, queue):  # noqa: F811
    conv = Conversation()
    await start(conv)
    await answer(conv, "affirm", "ja")
    await answer(conv, "inform_handoff", "bel me op 0612345678")
    assert conv.slots["handoff_contact_method"] == "telefoon"
    assert conv.slots["handoff_phone"] == "+31612345678"
    assert conv.slots["requested_slot"] == "handoff_buurt"


async def test_without_consent_nothing_is_stored(runtime, queue):  # noqa: F811
    conv = Conversation()
    await start(conv, handoff_kind="subsidie_aanvraag")
    assert conv.slots["handoff_kind"] == "subsidie_aanvraag"
    await answer(conv, "deny", "nee")
    assert conv.active_loop is None, "no consent ends the form at once"
    await conv.run(handoff.ActionSubmitToeleiding())
    assert conv.last()["response"] == "utter_handoff_no_consent"
    assert stored(queue) == []


async def test_unclear_consent_is_asked_again(runtime):
    conv = Conversation()
    await start(conv)
    await answer(conv, "inform_handoff", "misschien")
    assert conv.said[0]["response"] == "utter_handoff_consent_unclear"
    assert conv.slots["requested_slot"] == "handoff_consent"


async def test_correcting_a_field_from_the_summary(runtime, queue):  # noqa: F811
    conv = Conversation(buurt="Malberg", preferred_language="nl")
    await start(conv)
    await answer(conv, "affirm", "ja")
    await answer(conv, "inform_handoff", "in deze chat")
    await answer(conv, "inform_handoff", "een clubje voor mijn moeder")
    await answer(conv, "inform_handoff", handoff_choice="middag")
    assert conv.slots["requested_slot"] == "handoff_confirm"
    await answer(conv, "inform_handoff", handoff_choice="fix_buurt")
    assert conv.slots["requested_slot"] == "handoff_buurt"
    await answer(conv, "inform_handoff", "Atlantis")
    assert conv.said[0]["response"] == "utter_handoff_buurt_unknown"
    await answer(conv, "inform_handoff", "6218")  # a postcode works too
    assert conv.slots["handoff_buurt"] == "Malberg"
    assert conv.slots["requested_slot"] == "handoff_confirm"
    await answer(conv, "inform_handoff", "de buurt wil ik nog aanpassen")
    await answer(conv, "inform_handoff", handoff_choice="geen_buurt")
    await answer(conv, "affirm", "ja")
    await conv.run(handoff.ActionSubmitToeleiding())
    row = stored(queue)[0]
    assert row.buurt is None and row.best_moment == "middag"


async def test_not_sending_from_the_summary_stores_nothing(runtime, queue):  # noqa: F811
    conv = Conversation(buurt="Malberg", preferred_language="nl")
    await start(conv)
    for intent, text in (("affirm", "ja"), ("inform_handoff", "in deze chat"),
                         ("inform_handoff", "gezelschap"), ("inform_handoff", "avond"), ("deny", "nee")):
        await answer(conv, intent, text)
    await conv.run(handoff.ActionSubmitToeleiding())
    assert conv.last()["response"] == "utter_handoff_not_sent"
    assert stored(queue) == []


async def test_a_digression_is_not_taken_as_an_answer(runtime):
    conv = Conversation()
    await start(conv)
    await answer(conv, "affirm", "ja")
    events = await answer(conv, "ask_place_details", "waar is het Trefcentrum")
    # only the requested slot: Rasa rejects the form, the digression rule answers
    assert [e["name"] for e in events if e.get("event") == "slot"
            and e["name"] != "requested_slot"] == []
    assert conv.slots.get("handoff_contact_method") is None
    # back in the form after the digression, the message is not re-read
    conv.said.clear()
    events = await conv.run(handoff.ValidateToeleidingForm(), latest_action="action_place_details")
    assert conv.slots.get("handoff_contact_method") is None


async def test_database_failure_gives_no_reference(runtime, monkeypatch):
    async def broken(**fields):
        raise RuntimeError("database is down")

    monkeypatch.setattr(runtime, "submit_request", broken)
    conv = Conversation(buurt="Malberg", preferred_language="nl")
    await start(conv)
    for intent, text in (("affirm", "ja"), ("inform_handoff", "in deze chat"),
                         ("inform_handoff", "gezelschap"), ("inform_handoff", "avond"), ("affirm", "ja")):
        await answer(conv, intent, text)
    conv.said.clear()
    await conv.run(handoff.ActionSubmitToeleiding())
    assert [m["response"] for m in conv.said] == ["utter_handoff_store_failed"]
    assert not any("reference" in m for m in conv.said)


# ---------------------------------------------------------------------------
# status and withdrawing
# ---------------------------------------------------------------------------
async def test_status_in_plain_words_for_own_requests_only(runtime, queue):  # noqa: F811
    conv = Conversation()
    await conv.run(handoff.ActionHandoffStatus())
    assert conv.last()["response"] == "utter_handoff_status_none"

    mine = new_request(queue, resident_key=RESIDENT)
    other = new_request(queue, resident_key="someone-else")
    conv.said.clear()
    await conv.run(handoff.ActionHandoffStatus())
    statuses = conv.last()["statuses"]
    assert mine.reference in statuses and "ontvangen" in statuses
    assert other.reference not in statuses


async def cancel_step(conv: Conversation, intent: str, text: str = "", **entities):
    conv.said.clear()
    conv.latest = message(intent, text, **entities)
    return await conv.form_step(handoff.ValidateCancelRequestForm(), "cancel_request_form")


async def test_withdraw_the_only_open_request_after_confirming(runtime, queue):  # noqa: F811
    view = new_request(queue, resident_key=RESIDENT)
    conv = Conversation()
    await cancel_step(conv, "cancel_request", "het hoeft niet meer")
    assert conv.slots["handoff_cancel_ref"] == view.reference
    assert conv.slots["requested_slot"] == "handoff_cancel_confirm"
    await cancel_step(conv, "affirm", "ja")
    assert conv.active_loop is None
    await conv.run(handoff.ActionSubmitCancelRequest())
    assert conv.last()["response"] == "utter_cancel_done"
    assert queue.get(view.reference).status == "geannuleerd"


async def test_withdraw_chooses_among_several_and_can_keep_it(runtime, queue):  # noqa: F811
    first = new_request(queue, resident_key=RESIDENT)
    second = new_request(queue, resident_key=RESIDENT)
    conv = Conversation()
    await cancel_step(conv, "cancel_request", "ik wil mijn vraag intrekken")
    assert conv.slots["requested_slot"] == "handoff_cancel_ref"
    conv.said.clear()
    await conv.run(handoff.ActionAskHandoffCancelRef())
    titles = [b["title"] for b in conv.last()["buttons"]]
    assert titles == [second.reference, first.reference]
    await cancel_step(conv, "cancel_request", "", handoff_reference=first.reference)
    assert conv.slots["handoff_cancel_ref"] == first.reference
    await cancel_step(conv, "deny", "nee")
    await conv.run(handoff.ActionSubmitCancelRequest())
    assert conv.last()["response"] == "utter_cancel_kept"
    assert queue.get(first.reference).status == "nieuw"


async def test_withdraw_with_nothing_open(runtime):
    conv = Conversation()
    await cancel_step(conv, "cancel_request", "annuleer mijn vraag")
    assert conv.active_loop is None
    await conv.run(handoff.ActionSubmitCancelRequest())
    assert conv.last()["response"] == "utter_cancel_none"


async def test_someone_else_cannot_withdraw_my_request(runtime, queue):  # noqa: F811
    view = new_request(queue, resident_key="someone-else")
    conv = Conversation()
    await cancel_step(conv, "cancel_request", f"ik wil {view.reference} intrekken")
    assert conv.active_loop is None  # not their request: nothing open for them
    assert queue.get(view.reference).status == "nieuw"


# ---------------------------------------------------------------------------
# promises (issue 16): only what the operator set, a trial while staff is demo
# ---------------------------------------------------------------------------
DEMO_STAFF = (ROOT / "knowledge" / "data" / "opbouwwerkers.yml").read_text(encoding="utf-8")


def promising_runtime(queue, tmp_path, monkeypatch, staff_text: str, **overrides):  # noqa: F811
    staff = tmp_path / "promise-staff.yml"
    staff.write_text(staff_text)
    settings = replace(load_settings({"ONTMOET_VAR_DIR": str(tmp_path)}), staff_file=staff, **overrides)
    rt = HandoffRuntime(settings, queue=queue)
    monkeypatch.setattr(handoff, "handoff_runtime", lambda: rt)
    monkeypatch.setattr(handoff, "settings", lambda: settings)
    monkeypatch.setattr(handoff, "knowledge_base", lambda: FakeKnowledge())
    return rt


async def fill_form(conv: Conversation) -> None:
    await answer(conv, "affirm", "ja")
    await answer(conv, "inform_handoff", handoff_choice="chat")
    await answer(conv, "inform_handoff", "malberg")
    await answer(conv, "find_meeting_place", "ik zoek mensen om mee te praten")
    await answer(conv, "inform_handoff", handoff_choice="nl")
    await answer(conv, "inform_handoff", handoff_choice="ochtend")
    await answer(conv, "affirm", "ja")
    conv.said.clear()
    await conv.run(handoff.ActionSubmitToeleiding())


async def test_while_the_staff_file_is_demo_the_resident_hears_it_is_a_trial(queue, tmp_path, monkeypatch):  # noqa: F811
    promising_runtime(queue, tmp_path, monkeypatch, DEMO_STAFF, handoff_expected_time="binnen 2 werkdagen")
    conv = Conversation()
    await start(conv)
    assert conv.said[0]["response"] == "utter_handoff_intro_trial"
    assert not any("expected_time" in m for m in conv.said), "a trial promises no time"
    await fill_form(conv)
    assert len(stored(queue)) == 1
    assert conv.last()["response"] == "utter_handoff_stored_trial"
    texts = domain()["responses"]
    for key in ("utter_handoff_intro_trial", "utter_handoff_stored_trial"):
        assert "proef" in texts[key][0]["text"] and "iemand" in texts[key][0]["text"].lower()


async def test_without_an_expected_time_no_time_is_promised(queue, tmp_path, monkeypatch):  # noqa: F811
    promising_runtime(
        queue, tmp_path, monkeypatch, REAL_STAFF
    )  # default: ONTMOET_HANDOFF_EXPECTED_TIME empty
    conv = Conversation()
    await start(conv)
    assert conv.said[0]["response"] == "utter_handoff_intro_no_time"
    await fill_form(conv)
    assert conv.last()["response"] == "utter_handoff_stored_no_time"
    texts = domain()["responses"]
    assert "{expected_time}" not in texts["utter_handoff_intro_no_time"][0]["text"]
    assert "werkdag" not in texts["utter_handoff_stored_no_time"][0]["text"]


@pytest.mark.parametrize("accompany", [False, True])
async def test_going_along_to_a_visit_is_said_only_when_the_operator_offers_it(
        queue, tmp_path, monkeypatch, accompany):  # noqa: F811
    promising_runtime(queue, tmp_path, monkeypatch, REAL_STAFF, handoff_accompany=accompany)
    conv = Conversation()
    await start(conv)
    said = [m.get("response") for m in conv.said]
    assert ("utter_handoff_accompany" in said) is accompany


@pytest.mark.parametrize("languages, expected", [("nl", ["nl"]), ("nl, en,ar", ["nl", "en", "ar"])])
async def test_language_buttons_are_the_languages_a_person_speaks(
        queue, tmp_path, monkeypatch, languages, expected):  # noqa: F811
    promising_runtime(queue, tmp_path, monkeypatch, REAL_STAFF, handoff_languages=languages)
    conv = Conversation()
    await conv.run(handoff.ActionAskPreferredLanguage())
    buttons = conv.last()["buttons"]
    assert [b["payload"] for b in buttons] == [
        f'/inform_handoff{{"handoff_choice": "{c}"}}' for c in expected
    ]
    assert "buttons" not in domain()["responses"]["utter_ask_preferred_language"][0]


@pytest.mark.parametrize("interpreter, language, note", [
    (False, "ar", "utter_handoff_language_no_interpreter"),
    (True, "ar", "utter_handoff_language_interpreter"),
    (False, "nl", None),
])
async def test_an_interpreter_is_promised_only_when_the_operator_arranges_one(
        queue, tmp_path, monkeypatch, interpreter, language, note):  # noqa: F811
    promising_runtime(queue, tmp_path, monkeypatch, REAL_STAFF, handoff_interpreter=interpreter)
    conv = Conversation(handoff_contact_method="chat", handoff_buurt="Malberg", handoff_reason="praten",
                        preferred_language=language, handoff_best_moment="ochtend")
    await conv.run(handoff.ActionAskHandoffConfirm())
    said = [m.get("response") for m in conv.said]
    assert said[-1] == "utter_handoff_summary"
    if note is None:
        assert len(said) == 1
    else:
        assert said[0] == note and conv.said[0]["languages"] == "Nederlands"


def test_promises_come_from_the_settings_and_the_staff_file():
    from bot.handoff.promises import intro_replies, promises_from, stored_reply

    settings = load_settings({"ONTMOET_HANDOFF_EXPECTED_TIME": "binnen 2 werkdagen",
                              "ONTMOET_HANDOFF_ACCOMPANY": "true", "ONTMOET_HANDOFF_LANGUAGES": "nl,en"})
    real = promises_from(settings, roster_demo=False)
    assert real.languages == ("nl", "en") and real.speaks("en") and not real.speaks("ar")
    assert intro_replies(real, "toeleiding") == [
        ("utter_handoff_intro", {"expected_time": "binnen 2 werkdagen"}), ("utter_handoff_accompany", {})]
    assert intro_replies(real, "subsidie_aanvraag")[1:] == []
    assert stored_reply(real, "T-0001") == (
        "utter_handoff_stored", {"reference": "T-0001", "expected_time": "binnen 2 werkdagen"})
    trial = promises_from(settings, roster_demo=True)
    assert intro_replies(trial, "toeleiding") == [("utter_handoff_intro_trial", {})]
    defaults = load_settings({})
    assert (defaults.handoff_expected_time, defaults.handoff_accompany, defaults.handoff_interpreter,
            defaults.handoff_languages) == ("", False, False, "nl")
