"""Dutch date phrases resolve in Europe/Amsterdam."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knowledge.when import TZ, resolve_when

# Wednesday 25 November 2026, 15:00 in Maastricht
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)


def at(day, hour=0, minute=0):
    return datetime(2026, 11 if day > 20 else 12, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize("phrase, start, end", [
    ("vandaag", at(25, 15), at(26)),  # the rest of today
    ("morgen", at(26), at(27)),
    ("zaterdag", at(28), at(29)),
    ("dit weekend", at(28), at(30)),
    ("volgende week dinsdag", at(1), at(2)),
    ("woensdagmiddag", at(25, 15), at(25, 18)),  # this afternoon, from now
    ("Woensdag middag", at(25, 15), at(25, 18)),
    ("morgenavond", at(26, 18), at(27)),
    ("vanavond", at(25, 18), at(26)),
    ("zaterdag 's middags", at(28, 12), at(28, 18)),
    ("aanstaande vrijdag", at(27), at(28)),
    ("dinsdag volgende week", at(1), at(2)),
    ("volgende week", at(30), datetime(2026, 12, 7, tzinfo=TZ)),
    ("overmorgen", at(27), at(28)),
    ("3 december", at(3), at(4)),
])
def test_phrases(phrase, start, end):
    assert resolve_when(phrase, NOW) == (start, end)


def test_weekday_part_already_over_moves_to_next_week():
    assert resolve_when("woensdagochtend", NOW) == (datetime(2026, 12, 2, 6, tzinfo=TZ),
                                                     datetime(2026, 12, 2, 12, tzinfo=TZ))


def test_weekday_today_means_today():
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
    assert resolve_when("zaterdag", saturday) == (saturday, datetime(2026, 11, 29, tzinfo=TZ))


def test_weekend_on_sunday_is_the_rest_of_this_weekend():
    sunday = datetime(2026, 11, 29, 11, 0, tzinfo=TZ)
    assert resolve_when("dit weekend", sunday) == (sunday, datetime(2026, 11, 30, tzinfo=TZ))


def test_naive_and_utc_now_are_read_as_amsterdam_time():
    naive = datetime(2026, 11, 25, 15, 0)
    late_utc = datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc)  # already 26 Nov 00:30 in Maastricht
    assert resolve_when("morgen", naive) == (at(26), at(27))
    assert resolve_when("morgen", late_utc) == (at(27), at(28))


def test_summer_time_offsets():
    summer = datetime(2027, 6, 30, 12, 0, tzinfo=TZ)
    start, _ = resolve_when("morgen", summer)
    assert start.utcoffset().total_seconds() == 2 * 3600


@pytest.mark.parametrize("phrase", ["", "   ", "blabla", "ik wil koffie"])
def test_not_understood(phrase):
    assert resolve_when(phrase, NOW) is None


# Tuesday 1 December 2026, 09:00
TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def d(*args):
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize("sentence, start, end", [
    ("Welke activiteiten zijn er op woensdag in Nazareth?", d(2026, 12, 2), d(2026, 12, 3)),
    ("donderdag om 10 uur", d(2026, 12, 3, 10), d(2026, 12, 3, 12)),  # this week, not a past day
    ("is er donderdagmiddag om 2 uur iets te doen", d(2026, 12, 3, 14), d(2026, 12, 3, 16)),
    ("morgen om 14:30", d(2026, 12, 2, 14, 30), d(2026, 12, 2, 16, 30)),
    ("volgende maand", d(2027, 1, 1), d(2027, 2, 1)),  # the whole month, not one day
    ("wat is er deze maand", d(2026, 12, 1, 9), d(2027, 1, 1)),
    ("over twee weken", d(2026, 12, 14), d(2026, 12, 21)),  # that week
    ("over 3 dagen", d(2026, 12, 4), d(2026, 12, 5)),
    ("is er bingo dit weekend?", d(2026, 12, 5), d(2026, 12, 7)),
    ("wat is er 's avonds", d(2026, 12, 1, 18), d(2026, 12, 2)),
    ("iets voor 's morgens", d(2026, 12, 1, 9), d(2026, 12, 1, 12)),  # the morning, not tomorrow
    ("kan ik op 24 december ergens heen", d(2026, 12, 24), d(2026, 12, 25)),
    ("12-12 om 10.30", d(2026, 12, 12, 10, 30), d(2026, 12, 12, 12, 30)),
])
def test_phrases_inside_a_sentence(sentence, start, end):
    assert resolve_when(sentence, TUESDAY) == (start, end)


@pytest.mark.parametrize("sentence", ["zo fijn", "ik woon in 6218", "hallo", "do you speak english"])
def test_sentences_without_a_date_resolve_to_nothing(sentence):
    assert resolve_when(sentence, TUESDAY) is None


def test_a_time_already_past_today_means_next_week():
    assert resolve_when("dinsdag om 8 uur", TUESDAY) == (d(2026, 12, 8, 8), d(2026, 12, 8, 10))


def test_turn_of_the_year():
    monday = d(2026, 12, 28, 12)
    assert resolve_when("volgende week", monday) == (d(2027, 1, 4), d(2027, 1, 11))
    assert resolve_when("volgende maand", monday) == (d(2027, 1, 1), d(2027, 2, 1))
    assert resolve_when("vrijdag", monday) == (d(2027, 1, 1), d(2027, 1, 2))
    assert resolve_when("3 januari", monday) == (d(2027, 1, 3), d(2027, 1, 4))
    assert resolve_when("over twee weken", monday) == (d(2027, 1, 11), d(2027, 1, 18))


def test_daylight_saving_days_keep_wall_clock_times():
    # Summer time starts on Sunday 29 March 2026 (02:00 -> 03:00), ends 25 October.
    saturday = d(2026, 3, 28, 12)
    start, end = resolve_when("morgen om 10 uur", saturday)
    assert (start.hour, start.utcoffset().total_seconds()) == (10, 7200)
    assert end - start == timedelta(hours=2)
    start, end = resolve_when("zondag", saturday)
    assert (start, end) == (d(2026, 3, 29), d(2026, 3, 30))
    assert (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds() == 23 * 3600
    start, end = resolve_when("zondag", d(2026, 10, 24, 12))
    assert (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds() == 25 * 3600
