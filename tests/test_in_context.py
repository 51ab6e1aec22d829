"""Replies in context: answer to the opbouwwerker, or a new question for the assistant?

The parses are what the test model returns for these texts (intent, confidence,
entities), so the rules are checked on real NLU output, and without it."""
import pytest

from bot.channels.in_context import ANSWER, ASSISTANT, decide


def parse(intent, confidence, *entities):
    return {"intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": name, "value": value} for name, value in entities]}


OPEN = [  # (text, parse, route) while a request is open and the opbouwwerker wrote last
    ("Ja graag, donderdag om 14 uur is goed!", parse("inform_handoff", 0.60), ANSWER),
    ("ja", parse("affirm", 0.98), ANSWER),
    ("nee dat lukt niet", parse("deny", 0.98), ANSWER),
    ("Dank je wel!", parse("thank", 0.98), ANSWER),
    ("hoe laat?", parse("out_of_scope", 0.87), ANSWER),
    ("kan het ook vrijdag?", parse("find_activity", 0.90), ANSWER),
    ("Goed, tot donderdag", parse("nlu_fallback", 0.40), ANSWER),
    ("Ik kan pas om drie uur", parse("nlu_fallback", 0.40), ANSWER),
    ("Yes please, Thursday at 2 works", parse("find_activity", 0.72, ("language", "en")), ANSWER),
    ("ik wil een mens spreken", parse("request_human", 0.99), ANSWER),
    ("waar is een huiskamer in Heer?",
     parse("find_meeting_place", 1.0, ("place_type", "huiskamer"), ("buurt", "Heer")), ASSISTANT),
    ("is er iets te doen op donderdag?", parse("find_activity", 1.0), ASSISTANT),
    ("wat is Kracht van de Samenleving?", parse("ask_subsidy", 0.97), ASSISTANT),
    ("sociale restaurants in Malberg", parse("find_meeting_place", 0.95, ("buurt", "Malberg")),
     ASSISTANT),
    ("opnieuw", parse("start_over", 1.0), ASSISTANT),
    ("stop", parse("start_over", 1.0), ASSISTANT),
    ("menu", parse("help", 1.0), ASSISTANT),
    ("is mijn vraag al opgepakt?", parse("handoff_status", 0.99), ASSISTANT),
    ("Ik heb geen zin meer om te leven", parse("crisis", 1.0), ASSISTANT),
    ("ja, ik wil niet meer leven", parse("affirm", 0.7), ASSISTANT),  # crisis before "ja"
]


@pytest.mark.parametrize("text,parsed,route", OPEN, ids=[t for t, _, _ in OPEN])
def test_open_request(text, parsed, route):
    assert decide(text, parsed).route == route


AFTER_CLOSE = [
    ("kunt u haar een bericht sturen?", parse("nlu_fallback", 0.40), ANSWER),
    ("ik wil een mens spreken", parse("request_human", 0.99), ANSWER),
    ("Bedankt voor de wandeling!", parse("thank", 0.95), ANSWER),
    ("hallo", parse("greet", 0.99), ASSISTANT),
    ("asdf", parse("nlu_fallback", 0.40), ASSISTANT),
    ("waar is een huiskamer in Heer?",
     parse("find_meeting_place", 1.0, ("place_type", "huiskamer"), ("buurt", "Heer")), ASSISTANT),
    ("is mijn vraag al opgepakt?", parse("handoff_status", 0.99), ASSISTANT),
]


@pytest.mark.parametrize("text,parsed,route", AFTER_CLOSE, ids=[t for t, _, _ in AFTER_CLOSE])
def test_after_a_close_only_messages_about_the_request(text, parsed, route):
    assert decide(text, parsed, after_close=True).route == route


@pytest.mark.parametrize("text,route", [
    ("Ja graag, donderdag om 14 uur is goed!", ANSWER),
    ("waar is een huiskamer in Heer?", ASSISTANT),
    ("opnieuw", ASSISTANT),
    ("ik wil niet meer leven", ASSISTANT),
])
def test_without_the_nlu_the_plain_signals_decide(text, route):
    assert decide(text, None).route == route
