"""Language detection (issue 7): short and mixed messages, scripts, requests."""
import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import (
    OTHER,
    detect_language,
    explicit_request,
    refused_language,
    requested_other_language,
    script_language,
)
from bot.nlu.language import LanguageDetector


@pytest.mark.parametrize("text", [
    "hoi", "ok", "oke", "ja", "nee", "thanks", "hello", "Hello there", "top", "super",
    "menu", "help", "stop", "Malberg", "6218", "👍", "?", "", "   ", "/greet",
    "dank u", "sorry", "bingo", "Merhaba",  # one word never switches
])
def test_short_messages_never_switch(text):
    assert detect_language(text) is None


@pytest.mark.parametrize("text", [
    "is er een buurthuis in Malberg?",
    "ik wil graag koffie drinken met mensen uit de buurt",
    "Is er een huiskamer in Wyck open op zondag",
    "mijn moeder is eenzaam en woont in Caberg",
])
def test_dutch_stays_dutch(text):
    assert detect_language(text) in (None, "nl")


@pytest.mark.parametrize("text, expected", [
    ("I feel lonely and want to meet people", "en"),
    ("Where can I meet people in my neighbourhood?", "en"),
    ("hallo, do you speak English?", "en"),  # mixed: mostly English
    ("Merhaba, yardım istiyorum", "tr"),
    ("Türkçe konuşuyor musunuz", "tr"),
    ("Dzień dobry, szukam pomocy", "pl"),
    ("Czy mówi pan po polsku", "pl"),
    ("Привіт, мені потрібна допомога", "uk"),
    ("مرحبا أحتاج مساعدة", "ar"),
    ("سلام من کمک می‌خواهم", "fa"),
    ("ሰላም ሓገዝ የድልየኒ", "ti"),
])
def test_clear_messages_are_detected(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("ሰላም", "ti"),            # Ge'ez script: Tigrinya, even one word
    ("مرحبا", "ar"),
    ("چطور هستید", "fa"),       # Persian letters che/yeh
    ("Добрий день", "uk"),
    ("hallo ሰላም ሓገዝ የድልየኒ", "ti"),  # mixed, mostly Ge'ez
    ("hallo ik zoek een plek مرحبا", None),  # mixed, mostly Latin: not by script
])
def test_script_check(text, expected):
    assert script_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Nederlands graag", "nl"), ("nederlands alstublieft", "nl"), ("in het Nederlands graag", "nl"),
    ("Kunt u Nederlands praten?", "nl"), ("Dutch please", "nl"),
    ("English please", "en"), ("in English", "en"), ("Do you speak English?", "en"),
    ("kunt u Engels praten", "en"),
    ("ik woon in Nederland", None), ("ik spreek geen Engels", None), ("hoi", None),
])
def test_explicit_requests(text, expected):
    assert explicit_request(text) == expected


@pytest.mark.parametrize("text, expected", [
    # refusing one of the two languages asks for the other
    ("I can't understand Dutch", "en"), ("sorry, my Dutch is very bad", "en"), ("just English please", "en"),
    ("mijn Nederlands is niet zo goed, liever Engels", "en"), ("ik versta weinig Engels", "nl"),
    ("Engels snap ik niet", "nl"), ("geen Engels aub", "nl"),
    # not clear, or a question that names a language: left to the classifier
    ("ik spreek geen Nederlands", None), ("mijn Nederlands is slecht", None),
    ("I do not speak English", None), ("no Dutch and no English", None),
    ("my Dutch is bad, can I practise it somewhere", None), ("ik spreek geen Nederlands, wel Arabisch", None),
    ("mijn Nederlands is slecht, kan het in een andere taal", None),
])
def test_refusing_a_language_asks_for_the_other(text, expected):
    assert refused_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("praat u ook arabisch?", "ar"), ("Turks alstublieft", "tr"), ("can you write in polish", "pl"),
    ("is er iemand die oekraïens spreekt", "uk"), ("perzisch graag", "fa"),
    ("ik spreek alleen tigrinya", "ti"), ("hallo, dari mogelijk?", "fa"),
    ("een andere taal alstublieft", OTHER), ("can I get this in another language", OTHER),
    # a language without catalogue texts: understood, answered with the English bridge
    ("spreekt u ook spaans", OTHER), ("liever in het italiaans", OTHER), ("Sprechen Sie Deutsch?", OTHER),
    ("parles tu français", OTHER), ("ik wil graag in het frans", OTHER),
    # the request in the language itself (tuned on set 11)
    ("ich spreche nur deutsch", OTHER), ("je parle seulement français", OTHER),
    ("solo hablo español", OTHER), ("Deutsch bitte", OTHER),
    ("ik wil turks leren", None),
    # a language named in a question about places or a long story: the classifier's
    ("is er een taalcafé voor Turkse vrouwen", None), ("ik zoek les arabisch in Malberg", None),
    ("mijn buurvrouw is Pools en zoekt een koffieochtend bij haar in de buurt", None),
    ("spreek je nederlands", None), ("do you speak english", None), ("hoi", None),
])
def test_requests_for_a_catalogue_language_by_name(text, expected):
    assert requested_other_language(text) == expected


def test_component_turns_a_request_by_name_into_other_language_with_that_language():
    message = _message("spreekt u misschien arabisch", intent="request_human")
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "other_language"
    assert [e["value"] for e in message.get(ENTITIES) if e["entity"] == "language"] == ["ar"]
    message = _message("another language please", intent="nlu_fallback")
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "other_language"
    assert not [e for e in message.get(ENTITIES) if e["entity"] == "language"]


def _message(text, intent="greet"):
    message = Message({TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.6})
    message.set(ENTITIES, [{"entity": "buurt", "value": "Malberg", "start": 0, "end": 3}])
    return message


def test_component_turns_catalogue_language_into_other_language():
    message = _message("Dzień dobry, szukam pomocy")
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "other_language"
    assert [e["value"] for e in message.get(ENTITIES) if e["entity"] == "language"] == ["pl"]


def test_component_keeps_the_intent_of_english_and_adds_the_language():
    message = _message("Where can I meet people in my neighbourhood?", intent="find_meeting_place")
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "find_meeting_place"
    assert {e["entity"] for e in message.get(ENTITIES)} == {"buurt", "language"}


def test_component_switches_back_to_dutch_on_request():
    message = _message("Nederlands graag", intent="affirm")
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "speak_dutch"
    assert message.get(ENTITIES) == [
        {"entity": "language", "value": "nl", "start": 0, "end": 16,
         "confidence_entity": 1.0, "extractor": "LanguageDetector"}
    ]


@pytest.mark.parametrize("text", ["hoi", "ok", "/greet"])
def test_component_leaves_short_messages_alone(text):
    message = _message(text)
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "greet"
    assert all(e["entity"] != "language" for e in message.get(ENTITIES))


def test_a_clearly_dutch_message_marks_dutch_so_a_switch_back_is_followed():
    message = _message("ik zoek een plek in Malberg")
    LanguageDetector.process_one(message)
    assert message.get(INTENT)["name"] == "greet"  # the intent is left alone
    assert [e["value"] for e in message.get(ENTITIES) if e["entity"] == "language"] == ["nl"]


@pytest.mark.parametrize("text", ['inform_handoff{"handoff_choice": "chat"}', "request_human please now"])
def test_payloads_and_code_say_nothing_about_the_language(text):
    assert detect_language(text) is None


def test_one_lingua_run_per_turn(monkeypatch):
    """The service detects the language of a message before Rasa (the hint for
    the disclosure); the NLU's LanguageDetector reuses it within the turn."""
    import bot.language as language

    calls = []
    real = language._detector()

    class Counting:
        def compute_language_confidence_values(self, text):
            calls.append(text)
            return real.compute_language_confidence_values(text)

    monkeypatch.setattr(language, "_detector", lambda: Counting())
    text = "I am looking for a place to meet people"
    with language.detected_for_turn(text) as found:
        assert found == "en"
        message = Message(data={TEXT: text})
        LanguageDetector.process_one(message)
        assert [e["value"] for e in message.get(ENTITIES)] == ["en"]
        assert detect_language("ik zoek een plek om mensen te ontmoeten") == "nl"  # another text
    assert len(calls) == 2
    assert detect_language(text) == "en"  # after the turn: detected again
    assert len(calls) == 3
