"""Dutch date phrases resolve in Europe/Amsterdam."""
from __future__ import annotations

from datetime import datetime, timezone

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
