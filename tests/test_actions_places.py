"""Place search, "meer", place details and activities (actions/places.py) on the real knowledge data."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.places as place_actions
from knowledge.when import TZ
from tests.knowledge_helpers import fresh_kb

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = {"responses": yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]}


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture()
def kb(knowledge, monkeypatch):
    monkeypatch.setattr(place_actions, "knowledge_base", lambda: knowledge)
    return knowledge


def tracker(slots=None, text="", intent="find_meeting_place", entities=()) -> Tracker:
    return Tracker(
        "t",
        dict(slots or {}),
        {"text": text, "intent": {"name": intent}, "entities": list(entities)},
        [],
        False,
        None,
        {},
        "action_listen",
    )


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tr, DOMAIN)
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_nearest_three_then_meer_gives_the_next_three(kb):
    messages, slots = run(place_actions.ActionFindPlaces(), tracker({"buurt": "Malberg"}))
    first = slots["shown_places"]
    assert 1 <= len(first) <= 3 and slots["places_offset"] == len(first)
    assert messages[0]["response"] in {"utter_places_in_buurt", "utter_places_nearby"}
    assert "Ruweel" in messages[0]["places"]
    assert messages[-1]["response"] in {"utter_places_next", "utter_places_next_kinds"}
    more, slots2 = run(
        place_actions.ActionMorePlaces(),
        tracker({"buurt": "Malberg", "places_offset": slots["places_offset"]}, "meer", "more_places"),
    )
    if slots2:
        assert not set(slots2["shown_places"]) & set(first)
        assert slots2["places_offset"] == slots["places_offset"] + len(slots2["shown_places"])
    else:
        assert more[0]["response"] == "utter_places_no_more"


def test_kinds_of_place_are_offered_only_when_that_helps(kb):
    messages, slots = run(place_actions.ActionFindPlaces(), tracker({"buurt": "Malberg"}))
    shown_kinds = {kb.find_places(buurt="Malberg", limit=3)[i].place_type
                   for i in range(len(slots["shown_places"]))}
    nearby_kinds = {p.place_type for p in kb.find_places(buurt="Malberg", limit=place_actions.REFINE_WINDOW)}
    last = messages[-1]
    if len(nearby_kinds) > 1 and nearby_kinds - shown_kinds:
        assert last["response"] == "utter_places_next_kinds"
        offered = [b["payload"] for b in last["buttons"]]
        assert 1 <= len(offered) <= place_actions.MAX_TYPE_BUTTONS
        # kinds not yet shown come first
        first_kind = offered[0].split('"place_type": "')[1].rstrip('"}')
        assert first_kind in nearby_kinds - shown_kinds
        assert all(b["title"] and not b["title"].startswith("/") for b in last["buttons"])
    else:
        assert last["response"] == "utter_places_next"


def test_no_kinds_once_the_resident_named_one(kb):
    messages, _ = run(place_actions.ActionFindPlaces(),
                      tracker({"buurt": "Malberg", "place_type": "gemeenschapshuis"}))
    assert messages[-1]["response"] == "utter_places_next"


def test_type_buttons_follow_what_is_near(kb):
    class Place:
        def __init__(self, kind):
            self.place_type, self.name, self.buurt = kind, kind, "Malberg"

    one_kind = [Place("gemeenschapshuis") for _ in range(5)]
    assert place_actions.type_buttons(tracker({"buurt": "Malberg"}), one_kind[:3], one_kind) == []
    mixed = one_kind[:3] + [Place("huiskamer"), Place("sociaal_restaurant")]
    buttons = place_actions.type_buttons(tracker({"buurt": "Malberg"}), mixed[:3], mixed)
    assert [b["payload"] for b in buttons][:2] == ['/find_meeting_place{"place_type": "huiskamer"}',
                                                   '/find_meeting_place{"place_type": "sociaal_restaurant"}']
    assert buttons[0]["title"] == kb.place_type("huiskamer").name
    english = place_actions.type_buttons(tracker({"buurt": "Malberg", "language": "en"}), mixed[:3], mixed)
    assert [b["title"] for b in english][:2] == ["Living room (drop-in)", "Social restaurant"]


def test_a_new_postcode_replaces_the_old_buurt(kb):
    pc = {"entity": "postcode", "value": "6218"}
    _, slots = run(place_actions.ActionFindPlaces(),
                   tracker({"buurt": "Wyck"}, "ik woon in 6218", "inform_location", [pc]))
    assert slots["buurt"] == kb.buurten_for_postcode("6218")[0]


def test_a_postcode_of_several_buurten_asks_which(kb):
    pc = {"entity": "postcode", "value": "6216"}
    messages, slots = run(place_actions.ActionFindPlaces(), tracker({}, "6216", "inform_location", [pc]))
    assert messages[0]["response"] == "utter_ask_which_buurt"
    assert {b["title"] for b in messages[0]["buttons"]} == set(kb.buurten_for_postcode("6216"))
    assert slots["buurt"] is None


def test_place_details_say_what_is_unknown_instead_of_guessing(kb):
    place = {"entity": "place", "value": "Buurtcentrum De Romein"}
    messages, slots = run(place_actions.ActionPlaceDetails(),
                          tracker({}, "adres van de romein", "ask_place_details", [place]))
    details = messages[0]
    assert details["response"] == "utter_place_details"
    known = kb.place_details("Buurtcentrum De Romein")
    assert details["address"] == (known.address or "weet ik niet")
    assert details["opening_hours"] == (known.opening_hours or "weet ik niet")
    assert slots["place"] == known.name


def test_place_details_without_a_name_ask_which_of_the_places_shown(kb):
    shown = ["Gemeenschapshuis ’t Ruweel", "Buurtcentrum De Romein"]
    messages, _ = run(place_actions.ActionPlaceDetails(),
                      tracker({"shown_places": shown}, "wat is het adres", "ask_place_details"))
    assert messages[0]["response"] == "utter_ask_which_place"
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Gemeenschapshuis 't Ruweel",
        "Buurtcentrum De Romein",
    ]


def _clock(monkeypatch, *args):
    from datetime import datetime

    from knowledge import when

    moment = datetime(*args, tzinfo=when.TZ)
    monkeypatch.setattr(when, "current_time", lambda: moment)
    return moment


def test_activities_are_listed_with_date_time_and_demo_marked(kb, monkeypatch):
    # Tuesday 1 December 2026, 09:00 in Maastricht: the coming seven days hold
    # the demo programme (Tuesday 14:00 creative afternoon comes first).
    _clock(monkeypatch, 2026, 12, 1, 9, 0)
    messages, _ = run(place_actions.ActionFindActivities(),
                      tracker({}, "wat is er te doen", "find_activity"))
    assert messages[0]["response"] == "utter_activities_found"
    lines = messages[0]["activities"].splitlines()
    assert len(lines) == place_actions.MAX_ACTIVITIES_SHOWN
    assert lines[0].startswith("- 01-12") and "14:00" in lines[0] and "Creatieve middag" in lines[0]
    assert all(" om " in line for line in lines)
    assert "(voorbeeld) (voorbeeld)" not in messages[0]["activities"]
    assert any(m["response"] == "utter_activities_demo_note" for m in messages)


def test_activities_on_a_named_day_come_from_that_day(kb, monkeypatch):
    _clock(monkeypatch, 2026, 12, 1, 9, 0)
    messages, _ = run(place_actions.ActionFindActivities(),
                      tracker({}, "wat is er op woensdag", "find_activity"))
    assert messages[0]["response"] == "utter_activities_found"
    assert messages[0]["activities"].splitlines()[0].startswith("- 02-12")
    assert "Spelletjesmiddag" in messages[0]["activities"]


def test_no_activities_before_the_programme_starts_says_so(kb, monkeypatch):
    # The demo programme starts on 5 January 2026: the week before has nothing.
    _clock(monkeypatch, 2025, 12, 20, 9, 0)
    messages, _ = run(place_actions.ActionFindActivities(),
                      tracker({}, "wat is er te doen", "find_activity"))
    assert [m["response"] for m in messages] == ["utter_activities_none"]


def test_activities_on_a_day_in_a_buurt_stay_in_that_buurt(kb, monkeypatch):
    _clock(monkeypatch, 2026, 12, 1, 9, 0)
    buurt = {"entity": "buurt", "value": "Caberg"}
    messages, slots = run(place_actions.ActionFindActivities(),
                          tracker({}, "wat is er op woensdag in Caberg", "find_activity", [buurt]))
    assert messages[0]["response"] == "utter_activities_found"
    lines = messages[0]["activities"].splitlines()
    assert lines and all(line.startswith("- 02-12") and "(Caberg)" in line for line in lines)
    assert slots["buurt"] == "Caberg"


def test_a_buurt_without_activities_says_so_and_shows_the_neighbours(kb, monkeypatch):
    # Demo programme: nothing in Nazareth; its neighbours have nothing on
    # Wednesday either, so the answer says it plainly.
    _clock(monkeypatch, 2026, 12, 1, 9, 0)
    buurt = {"entity": "buurt", "value": "Nazareth"}
    messages, _ = run(
        place_actions.ActionFindActivities(),
        tracker({}, "Welke activiteiten zijn er op woensdag in Nazareth?", "find_activity", [buurt]),
    )
    assert [m["response"] for m in messages] == ["utter_activities_none_in_buurt"]
    assert messages[0]["buurt"] == "Nazareth"
    # A quiet buurt next to Caberg (which has a programme): the answer says
    # that it looked in that buurt, then lists the neighbours' activities.
    week = (_clock(monkeypatch, 2026, 12, 1, 9, 0), datetime(2026, 12, 8, tzinfo=TZ))
    active = {o.buurt for o in kb.activities(*week)}
    quiet = next(b for b in kb.neighbours("Caberg") if b not in active)
    messages, slots = run(place_actions.ActionFindActivities(),
                          tracker({"buurt": quiet}, "wat is er deze week", "find_activity"))
    assert messages[0]["response"] == "utter_activities_nearby"
    assert messages[0]["buurt"] == quiet and slots["buurt"] == quiet
    lines = messages[0]["activities"].splitlines()
    assert lines and all(any(f"({n})" in line for n in kb.neighbours(quiet)) for line in lines)


def test_the_kind_of_activity_asked_for_is_honoured(kb, monkeypatch):
    _clock(monkeypatch, 2026, 12, 1, 9, 0)
    messages, _ = run(place_actions.ActionFindActivities(),
                      tracker({}, "waar kan ik deze week samen eten", "find_activity"))
    assert messages[0]["response"] == "utter_activities_found"
    lines = messages[0]["activities"].splitlines()
    assert lines and all("Samen eten" in line for line in lines)
    messages, _ = run(place_actions.ActionFindActivities(),
                      tracker({}, "is er bingo deze week", "find_activity"))
    assert [m["response"] for m in messages] == ["utter_activities_none"]


def test_a_follow_up_keeps_the_kind_of_activity(kb, monkeypatch):
    _clock(monkeypatch, 2026, 12, 1, 9, 0)
    _, slots = run(place_actions.ActionFindActivities(),
                   tracker({}, "kunnen we deze week samen eten", "find_activity"))
    assert slots["activity_kind"] == "samen_eten"
    follow = tracker({"activity_kind": "samen_eten"}, "en volgende week?", "find_activity")
    follow.latest_message["follow_up"] = "action_find_activities"
    messages, _ = run(place_actions.ActionFindActivities(), follow)
    lines = messages[0]["activities"].splitlines()
    assert lines and all("Samen eten" in line and line.startswith("- 10-12") for line in lines)
    # without the follow-up mark a new question starts afresh
    fresh = tracker({"activity_kind": "samen_eten"}, "wat is er volgende week", "find_activity")
    messages, _ = run(place_actions.ActionFindActivities(), fresh)
    assert any("Samen eten" not in line for line in messages[0]["activities"].splitlines())


def test_distances_are_said_as_approximate_from_the_middle_of_the_buurt(kb):
    # Villapark has no place of its own: every place shown is elsewhere, with a distance
    messages, _ = run(place_actions.ActionFindPlaces(), tracker({"buurt": "Villapark"}))
    assert messages[0]["response"] == "utter_places_nearby"
    lines = messages[0]["places"].splitlines()
    assert lines and all(", ongeveer " in line and line.endswith(" km") for line in lines)
    note = next(m for m in messages if m["response"].startswith("utter_places_distance_note"))
    assert note["response"] == "utter_places_distance_note" and note["buurt"] == "Villapark"
    text = DOMAIN["responses"]["utter_places_distance_note"][0]["text"]
    assert "ongeveer" in text and "midden van {buurt}" in text and "geen looproute" in text


def test_a_distance_from_a_shared_location_says_so(kb):
    messages, _ = run(place_actions.ActionFindPlaces(),
                      tracker({"buurt": "Villapark", "lat": 50.8360, "lon": 5.6840}))
    responses = [m["response"] for m in messages]
    assert "utter_places_distance_note_location" in responses
    assert "utter_places_distance_note" not in responses


def test_no_distance_note_when_every_place_is_in_the_buurt():
    from types import SimpleNamespace as Place

    in_buurt = [Place(name="A", buurt="Heer", distance_km=0.0, is_demo=False)]
    elsewhere = in_buurt + [Place(name="B", buurt="Scharn", distance_km=1.1, is_demo=False)]
    assert place_actions.distance_note(tracker(), in_buurt, "Heer") is None
    assert place_actions.distance_note(tracker(), elsewhere, "Heer") == "utter_places_distance_note"
    line = place_actions.format_place_line(elsewhere[1], "Heer", DOMAIN)
    assert line == "- B, Scharn, ongeveer 1,1 km"


def test_no_reply_gives_walking_directions_or_times():
    import re

    for key, variants in DOMAIN["responses"].items():
        for variant in variants:
            text = (variant.get("text") or "").lower()
            assert not re.search(r"minuten? (lopen|wandelen|fietsen)|loop(afstand|t u)|sla .* af|"
                                 r"minutes? (walk|on foot)|turn (left|right)", text), key


def test_km_is_said_with_one_decimal_and_a_comma():
    assert place_actions.format_km(1.234) == "1,2"
    assert place_actions.format_km(0.01) == "0,1"


def test_place_details_name_the_page_they_come_from(kb):
    source = kb.place_source("gemeenschapshuis-amyerhoof")
    assert (
        source is not None and source.url.startswith("https://") and source.read.isoformat() == "2026-12-01"
    )
    messages, _ = run(
        place_actions.ActionPlaceDetails(),
        tracker({}, "amyerhoof", "ask_place_details", [{"entity": "place", "value": "Amyerhoof"}]),
    )
    said = {m["response"]: m for m in messages}
    assert said["utter_place_details_contact"]["contact"] == source.values["website"]
    assert said["utter_place_details_source"]["publisher"] == "de website van de Amyerhoof"
    assert said["utter_place_details_source"]["url"] == source.url
    assert said["utter_place_details_source"]["read"] == "1-12-2026"
    text = DOMAIN["responses"]["utter_place_details_source"][0]["text"]
    assert text.startswith("Volgens {publisher}")
    # what the page does not say stays unknown: no address is made up
    assert said["utter_place_details"]["address"] == "weet ik niet"


@pytest.mark.parametrize("name, publisher, site", [
    ("Haarderhof", "de website van Gemeenschapshuis HaarderHof", "https://stichtinghaarderhof.nl"),
    ("Aen de Wan", "de website van Ontmoetingscentrum Aen de Wan", "https://aendewan.nl"),
])
def test_a_house_with_its_own_website_is_named_as_the_source(kb, name, publisher, site):
    messages, _ = run(place_actions.ActionPlaceDetails(),
                      tracker({}, name.lower(), "ask_place_details", [{"entity": "place", "value": name}]))
    said = {m["response"]: m for m in messages}
    assert said["utter_place_details_contact"]["contact"] == site
    assert said["utter_place_details_source"]["publisher"] == publisher
    assert said["utter_place_details_source"]["read"] == "3-12-2026"
    assert said["utter_place_details"]["address"] == "weet ik niet"
    assert "utter_place_details_missing" in said


def test_a_place_without_a_page_names_no_source(kb):
    messages, _ = run(place_actions.ActionPlaceDetails(),
                      tracker({}, "ruweel", "ask_place_details", [{"entity": "place", "value": "Ruweel"}]))
    responses = [m["response"] for m in messages]
    assert "utter_place_details_source" not in responses and "utter_place_details_contact" not in responses
