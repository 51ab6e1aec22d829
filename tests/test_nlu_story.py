"""Long and multi-part messages: clauses, and one parse made of them (bot/nlu/story.py)."""
from __future__ import annotations

import pytest

from bot.nlu.story import is_story, merge_parses, split_clauses

WIDOW = ("Mijn man is vorig jaar overleden en sindsdien ben ik veel alleen. Ik woon in een flat in "
         "Wittevrouwenveld en ik loop niet zo goed meer. Is er iets bij mij in de buurt waar ik "
         "koffie kan drinken met mensen?")


def clauses(text):
    return [text[a:b] for a, b in split_clauses(text)]


def test_sentences_are_clauses_and_long_spoken_sentences_are_cut_at_conjunctions():
    assert clauses(WIDOW) == [
        "Mijn man is vorig jaar overleden en sindsdien ben ik veel alleen.",
        "Ik woon in een flat in Wittevrouwenveld",
        "en ik loop niet zo goed meer.",
        "Is er iets bij mij in de buurt waar ik koffie kan drinken met mensen?",
    ]
    spoken = ("hallo ik ben nieuw hier in maastricht ik woon in malberg "
              "en ik ken niemand waar kan ik mensen ontmoeten")
    assert clauses(spoken) == ["hallo ik ben nieuw hier in maastricht ik woon in malberg",
                               "en ik ken niemand waar kan ik mensen ontmoeten"]


@pytest.mark.parametrize("text", ["Is er een huiskamer in Malberg?", "/find_meeting_place", "",
                                  "ik zoek koffie en gezelligheid"])
def test_short_messages_and_buttons_are_not_stories(text):
    assert not is_story(text)


def test_short_parts_stay_with_the_part_before():
    assert clauses("Ik zoek een plek om te kaarten en te praten met andere mensen uit Heer, en zo") == [
        "Ik zoek een plek om te kaarten en te praten met andere mensen uit Heer, en zo"]


def parse(name, confidence, entities=(), **extra):
    return {"text": "", "intent": {"name": name, "confidence": confidence},
            "intent_ranking": [{"name": name, "confidence": confidence}],
            "entities": list(entities), **extra}


def test_the_most_pressing_intent_wins_and_warmth_comes_before_facts():
    whole = parse("nlu_fallback", 0.3)
    merged = merge_parses(whole, [((0, 10), parse("express_loneliness", 0.8)),
                                  ((11, 20), parse("inform_location", 0.9)),
                                  ((21, 40), parse("find_meeting_place", 0.95))])
    assert merged["intent"] == {"name": "express_loneliness", "confidence": 0.8}
    assert merged["intent_ranking"][0]["name"] == "express_loneliness"
    assert merged["story"] == ["express_loneliness", "inform_location", "find_meeting_place"]


def test_unsure_clauses_do_not_count_and_nothing_understood_stays_a_fallback():
    whole = parse("nlu_fallback", 0.3)
    merged = merge_parses(
        whole, [((0, 5), parse("find_activity", 0.45)), ((6, 9), parse("nlu_fallback", 0.2))]
    )
    assert merged["intent"]["name"] == "nlu_fallback"


def test_a_person_outranks_places_and_greetings_count_only_alone():
    merged = merge_parses(parse("greet", 0.9), [((0, 5), parse("greet", 0.99)),
                                                ((6, 30), parse("find_meeting_place", 0.7)),
                                                ((31, 60), parse("request_toeleiding", 0.8))])
    assert merged["intent"]["name"] == "request_toeleiding"
    only_greet = merge_parses(parse("nlu_fallback", 0.2), [((0, 5), parse("greet", 0.99)),
                                                          ((6, 9), parse("thank", 0.7))])
    assert only_greet["intent"]["name"] == "greet"


def test_the_question_of_a_story_wins_over_a_statement_among_concrete_questions():
    """'Een kennis vertelde over De Romein. Er is daar op vrijdag iets. Is het daar
    rolstoeltoegankelijk?': the question asked (details), not the statement (activity)."""
    def said(name, confidence, text):
        return dict(parse(name, confidence), text=text)

    merged = merge_parses(parse("nlu_fallback", 0.3), [
        ((0, 33), said("find_meeting_place", 0.7, "Een kennis vertelde over De Romein.")),
        ((34, 58), said("find_activity", 0.9, "Er is daar op vrijdag iets.")),
        ((59, 90), said("ask_place_details", 0.8, "Is het daar rolstoeltoegankelijk?"))])
    assert merged["intent"]["name"] == "ask_place_details"
    # a person or loneliness still comes first; without a question the order stays
    warm = merge_parses(parse("nlu_fallback", 0.3), [
        ((0, 20), said("express_loneliness", 0.8, "Ik ben veel alleen.")),
        ((21, 50), said("ask_place_details", 0.8, "Is het daar open?"))])
    assert warm["intent"]["name"] == "express_loneliness"
    plain = merge_parses(parse("nlu_fallback", 0.3), [
        ((0, 20), said("find_activity", 0.8, "ik wil graag kaarten")),
        ((21, 50), said("ask_place_details", 0.8, "hoe laat is t Ruweel open"))])
    assert plain["intent"]["name"] == "find_activity"


def test_crisis_counts_from_the_safety_net_or_a_sure_classifier_only():
    unsure = merge_parses(parse("nlu_fallback", 0.3), [((0, 5), parse("crisis", 0.7)),
                                                       ((6, 9), parse("express_loneliness", 0.8))])
    assert unsure["intent"]["name"] == "express_loneliness"
    sure = merge_parses(parse("nlu_fallback", 0.3), [((0, 5), parse("crisis", 0.95)),
                                                     ((6, 9), parse("express_loneliness", 0.8))])
    assert sure["intent"]["name"] == "crisis"
    net = parse("crisis", 1.0, safety_net="crisis")
    kept = merge_parses(net, [((0, 5), parse("find_meeting_place", 0.99))])
    assert kept["intent"]["name"] == "crisis" and kept["entities"] == []


def test_entities_found_only_in_a_clause_move_to_the_whole_text():
    buurt = {"entity": "buurt", "value": "Heer", "start": 11, "end": 15}
    whole = parse("nlu_fallback", 0.2, [buurt])
    place_type = {"entity": "place_type", "value": "huiskamer", "start": 8, "end": 17}
    merged = merge_parses(whole, [((0, 16), parse("inform_location", 0.9, [buurt])),
                                  ((20, 50), parse("find_meeting_place", 0.9, [place_type]))])
    assert merged["entities"] == [buurt, {**place_type, "start": 28, "end": 37}]


def test_a_short_en_after_an_answer_asks_that_question_again():
    from bot.nlu.story import follow_up, last_answer

    asked = parse("inform_location", 0.8, [{"entity": "buurt", "value": "Heer"}])
    asked["text"] = "en in Heer?"
    followed = follow_up(asked, "action_find_activities")
    assert followed["intent"]["name"] == "find_activity" and followed["entities"] == asked["entities"]
    assert followed["follow_up"] == "action_find_activities"
    assert follow_up(asked, "action_find_places")["intent"]["name"] == "find_meeting_place"
    # not after other answers, not a long sentence, never a crisis
    assert follow_up(asked, "action_subsidy_info") is asked
    long = dict(asked, text="en in Heer wonen ook mensen die ik graag zou zien")
    assert follow_up(long, "action_find_activities") is long
    crisis = dict(parse("crisis", 1.0), text="en ik wil dood", safety_net="crisis")
    assert follow_up(crisis, "action_find_activities") is crisis
    assert last_answer(["action_session_start", "action_listen", "action_find_activities",
                        "utter_activities_demo_note", "action_listen"]) == "action_find_activities"


def test_the_story_reader_names_only_intents_and_actions_of_the_domain():
    from pathlib import Path

    import yaml

    from bot.nlu.story import FOLLOW_UPS, PRIORITY

    intents, actions = set(), set()
    doc = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text(encoding="utf-8"))
    intents |= {i if isinstance(i, str) else next(iter(i)) for i in doc.get("intents") or []}
    actions |= set(doc.get("actions") or [])
    assert set(PRIORITY) <= intents, set(PRIORITY) - intents
    assert set(FOLLOW_UPS.values()) <= intents
    assert set(FOLLOW_UPS) <= actions, set(FOLLOW_UPS) - actions


def test_a_check_in_in_one_clause_is_asked_and_no_answers_the_story():
    """'... alles is zinloos. Is er een huiskamer in Heer?': the kind question
    first; its 'Nee' carries the story's own answer (place search in Heer)."""
    heer = {"entity": "buurt", "value": "Heer", "start": 0, "end": 4}
    merged = merge_parses(parse("nlu_fallback", 0.3), [
        ((0, 10), parse("crisis_check", 1.0, safety_net="check_in")),
        ((11, 40), parse("find_meeting_place", 0.9, [heer]))])
    assert merged["intent"]["name"] == "crisis_check"
    assert merged["safety_check"] == {"intent": "find_meeting_place",
                                      "entities": [{"entity": "buurt", "value": "Heer"}]}
