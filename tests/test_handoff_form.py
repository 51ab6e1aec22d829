"""The toeleiding form's rules (bot/handoff/form.py), without Rasa: reading
answers, validating them, the summary, the stored request, and the list of
intents that are not form answers checked against domain.yml."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict

import pytest
import yaml

from bot.handoff import form
from bot.phone import find_phone, normalise_phone

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml")).as_dict()


def domain_intents() -> set:
    data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {i if isinstance(i, str) else next(iter(i)) for i in data["intents"]}


# -- the intents that are not answers, against the domain ------------------------------------
def test_every_intent_named_exists_in_the_domain():
    intents = domain_intents()
    assert form.NOT_AN_ANSWER <= intents, sorted(form.NOT_AN_ANSWER - intents)
    assert form.MAY_BE_AN_ANSWER <= intents, sorted(form.MAY_BE_AN_ANSWER - intents)


def test_every_domain_intent_is_classified_once():
    intents = domain_intents()
    unclassified = intents - form.NOT_AN_ANSWER - form.MAY_BE_AN_ANSWER
    assert not unclassified, f"add to NOT_AN_ANSWER or MAY_BE_AN_ANSWER: {sorted(unclassified)}"
    assert not form.NOT_AN_ANSWER & form.MAY_BE_AN_ANSWER


def test_a_way_out_is_not_an_answer_unless_allowed():
    assert not form.is_answer("crisis") and not form.is_answer("start_over")
    assert form.is_answer("affirm") and form.is_answer("nlu_fallback")
    assert form.is_answer("find_meeting_place", allow=("find_meeting_place",))


def test_coming_back_after_a_digression_is_not_an_answer():
    user = {"event": "user", "text": "ja"}
    assert form.answers_question([user], "toeleiding_form")
    assert form.answers_question([user, {"event": "action", "name": "toeleiding_form"}],
                                 "toeleiding_form")
    assert not form.answers_question([user, {"event": "action", "name": "action_privacy_info"}],
                                     "toeleiding_form")


# -- reading answers ---------------------------------------------------------------------
@pytest.mark.parametrize("typed, expected", [
    ("06 12345678", "+31612345678"),
    ("06-12345678", "+31612345678"),
    ("0612345678", "+31612345678"),
    ("043 123 45 67", "+31431234567"),
    ("+31 6 12345678", "+31612345678"),
    ("+31 (0)6 12345678", "+31612345678"),
    ("0031612345678", "+31612345678"),
    ("+32 470 12 34 56", "+32470123456"),
    ("06 1234", None),
    ("12345678901", None),
    ("bel mij maar", None),
    ("", None),
])
def test_phone_numbers_are_validated(typed, expected):
    assert normalise_phone(typed) == expected
    check = form.check_phone(typed)
    if expected:
        assert check == form.Check({"handoff_phone": expected})
    else:
        assert check == form.Check({"handoff_phone": None}, "utter_handoff_phone_invalid")


def test_phone_number_inside_a_sentence():
    assert find_phone("mijn nummer is 06 12345678, bel na tienen") == "+31612345678"
    assert find_phone("ik ben 83 jaar") is None
    assert form.check_phone("bel 06 12345678 na tienen").slots == {"handoff_phone": "+31612345678"}


def test_yes_no_and_choices_from_typed_words():
    assert form.yes_or_no(None, "Ja, dat mag") == "ja"
    assert form.yes_or_no(None, "nee liever niet") == "nee"
    assert form.yes_or_no("affirm", "") == "ja"
    assert form.yes_or_no(None, "misschien") is None
    assert form.contact_method_from_text("bel me maar") == "telefoon"
    assert form.contact_method_from_text("hier in de chat") == "chat"
    assert form.language_from_text("Engels graag") == "en"
    assert form.language_from_text("Tigrinya") == "Tigrinya"
    assert form.moment_from_text("'s ochtends") == "ochtend"
    assert form.moment_from_text("Avond") == "avond"
    assert form.moment_from_text("dinsdag na 10 uur") == "dinsdag na 10 uur"
    assert form.kind_for("request_human", None) == "mens"
    assert form.kind_for("request_toeleiding", "subsidie_aanvraag") == "subsidie_aanvraag"


def test_consent_and_contact_answers():
    assert form.consent_answer("affirm", "") == {"handoff_consent": True}
    assert form.consent_answer(None, "nee") == {"handoff_consent": False}
    assert form.consent_answer(None, "hoezo?") == {"handoff_consent": form.UNCLEAR}
    assert form.contact_answer("chat", "") == {"handoff_contact_method": "chat"}
    # a number typed straight away answers the next question too
    assert form.contact_answer(None, "bel 06 12345678") == {
        "handoff_contact_method": "telefoon", "handoff_phone": "+31612345678"}
    assert form.contact_answer(None, "weet ik niet") == {"handoff_contact_method": form.UNCLEAR}


def test_consent_and_contact_checks_ask_again_when_unclear():
    assert form.check_consent(True) == form.Check({"handoff_consent": True})
    assert form.check_consent(form.UNCLEAR).response == "utter_handoff_consent_unclear"
    assert form.check_consent(None) == form.Check()  # cleared, not answered
    assert form.check_contact_method("telefoon").slots == {"handoff_contact_method": "telefoon"}
    assert form.check_contact_method(form.UNCLEAR).response == "utter_handoff_contact_unclear"


def test_buurt_names_and_postcodes():
    kb = SimpleNamespace(
        resolve_buurt=lambda t: SimpleNamespace(name="Malberg") if t.lower() == "malberg" else None,
        buurten_for_postcode=lambda p: ["Malberg"] if p == "6218" else ["A", "B"])

    def resolve(text):
        return form.resolve_buurt(text, kb.resolve_buurt, kb.buurten_for_postcode)

    assert form.check_buurt("malberg", resolve).slots == {"handoff_buurt": "Malberg"}
    assert form.check_buurt("6218 AB", resolve).slots == {"handoff_buurt": "Malberg"}
    # a postcode with several buurten, or an unknown name: asked again
    assert form.check_buurt("6211", resolve).response == "utter_handoff_buurt_unknown"
    assert form.check_buurt("Atlantis", resolve).response == "utter_handoff_buurt_unknown"
    assert form.check_buurt(form.NO_BUURT, resolve).slots == {"handoff_buurt": form.NO_BUURT}
    assert form.buurt_answer("geen_buurt", None, "x") == {"handoff_buurt": form.NO_BUURT}


def test_reason_language_moment_and_confirm_checks():
    assert form.check_reason("ja").response == "utter_handoff_reason_too_short"
    assert form.check_reason("Ik zoek gezelschap").slots == {"handoff_reason": "Ik zoek gezelschap"}
    assert form.check_chosen("preferred_language", form.UNCLEAR).slots == {
        "preferred_language": None}
    assert form.check_chosen("handoff_best_moment", "avond").slots == {
        "handoff_best_moment": "avond"}
    assert form.check_confirm("nee").slots == {"handoff_confirm": "nee"}
    fix = form.check_confirm(form.confirm_answer(None, None, "het nummer klopt niet")["handoff_confirm"])
    assert fix.slots == {"handoff_confirm": None, "handoff_contact_method": None,
                         "handoff_phone": None}
    assert form.check_confirm(form.UNCLEAR).response == "utter_handoff_confirm_unclear"


def test_required_slots():
    slots = ["handoff_consent", "handoff_contact_method", "handoff_phone", "handoff_buurt"]
    assert form.required_slots(slots, False, None) == ["handoff_consent"]
    assert "handoff_phone" not in form.required_slots(slots, True, "chat")
    assert form.required_slots(slots, True, "telefoon") == slots


# -- the summary and the stored request --------------------------------------------------------
def test_summary_words_follow_the_conversation_language():
    slots = dict(language="en", handoff_contact_method="telefoon", handoff_phone="+31612345678",
                 handoff_buurt="-", preferred_language="de", handoff_best_moment="avond")
    values = form.summary_values(slots, domain())
    assert values["contact"] == "call +31612345678"
    assert (values["buurt"], values["language"], values["moment"]) == ("not given", "German", "evening")


def test_request_fields_keep_the_phone_only_for_contact_by_phone():
    slots = dict(handoff_contact_method="chat", handoff_phone="+31612345678", handoff_buurt="-",
                 handoff_kind="onzin", handoff_best_moment="maakt_niet_uit",
                 handoff_reason="Gezelschap")
    fields = form.request_fields(slots, channel="telegram", resident_key="te-1")
    assert fields["contact_phone"] is None and fields["buurt"] is None
    assert fields["kind"] == "toeleiding" and fields["best_moment"] is None
    assert fields["reason"] == "Gezelschap" and fields["consent"] is True
    slots.update(handoff_contact_method="telefoon", handoff_buurt="Malberg")
    fields = form.request_fields(slots, channel="telegram", resident_key="te-1")
    assert fields["contact_phone"] == "+31612345678" and fields["buurt"] == "Malberg"


def test_a_reference_named_by_the_resident():
    assert form.reference_in("trek t-42 in", ["T-0042"]) == "T-0042"
    assert form.reference_in("42", ["T-0042"]) == "T-0042"
    assert form.reference_in("T-7", ["T-0042"]) is None
