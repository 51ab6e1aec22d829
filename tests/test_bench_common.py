"""The pure parts of the benchmark scripts (no timing, no servers)."""
from __future__ import annotations

import itertools

import pytest

from bench.common import markdown_table, percentile, summarise
from bench.queue_bench import count_outcomes
from bench.report import BEGIN, END, render, splice
from bench.service_bench import compare, conversation_stream, targets


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # sorts first
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summarise_reports_milliseconds_and_throughput():
    figures = summarise([0.1, 0.2, 0.3, 0.4], wall_s=2.0, errors=1)
    assert figures["messages"] == 4
    assert figures["errors"] == 1
    assert figures["p50_ms"] == 200.0
    assert figures["p99_ms"] == 400.0
    assert figures["throughput_msg_s"] == 2.0


def test_conversation_stream_gives_each_resident_one_whole_script():
    scripts = [["a1", "a2"], ["b1"]]
    pairs = list(itertools.islice(conversation_stream(scripts), 5))
    assert [text for _, text in pairs] == ["a1", "a2", "b1", "a1", "a2"]
    senders = [sender for sender, _ in pairs]
    assert senders[0] == senders[1] != senders[2] != senders[3] == senders[4]
    assert len(set(senders)) == 3


def test_compare_and_targets():
    ours = {"1": {"p50_ms": 100, "p95_ms": 150, "p99_ms": 200, "throughput_msg_s": 9},
            "10": {"p50_ms": 300, "p95_ms": 600, "p99_ms": 900, "throughput_msg_s": 25}}
    floor = {"1": {"p50_ms": 50, "p95_ms": 100, "p99_ms": 100, "throughput_msg_s": 18},
             "10": {"p50_ms": 200, "p95_ms": 300, "p99_ms": 450, "throughput_msg_s": 40}}
    comparison = compare(ours, floor)
    assert comparison["10"]["p95_over_floor"] == 2.0
    assert comparison["1"]["p50_over_floor"] == 2.0
    result = targets(ours, comparison)
    assert result["p95_at_10_met"] is False
    assert result["throughput_met"] is True
    assert result["max_throughput_msg_s"] == 25
    assert compare(ours, {}) == {}
    assert targets(ours, {})["p95_at_10_met"] is False


def test_count_outcomes_finds_lost_and_double_claims():
    created = ["T-1", "T-2", "T-3", "T-4"]
    wins = [("T-1", "a"), ("T-2", "b"), ("T-2", "c"), ("T-4", "d")]
    owners = {"T-1": "a", "T-2": "c", "T-4": "x"}
    outcome = count_outcomes(created, wins, owners)
    assert outcome["double_claimed"] == 1  # T-2
    assert outcome["lost"] == 1  # T-3 never claimed
    assert outcome["owner_mismatch"] == 1  # T-4 won by d, owned by x
    clean = count_outcomes(["T-1"], [("T-1", "a")], {"T-1": "a"})
    assert clean == {"lost": 0, "double_claimed": 0, "owner_mismatch": 0}


def test_splice_keeps_other_sections_and_replaces_its_own():
    nlu = "# Benchmarks\n\n## 1. Understanding (NLU)\n\nNLU table here.\n"
    first = splice(nlu, render({}))
    assert first.startswith(nlu.rstrip("\n"))
    assert first.count(BEGIN) == 1 and first.count(END) == 1
    assert "Not run yet" in first
    again = splice(first + "\n## Appendix\nkept\n", render({}, notes="loaded machine"))
    assert again.count(BEGIN) == 1
    assert "NLU table here." in again and "## Appendix\nkept" in again
    assert "loaded machine" in again
    created = splice("", render({}))
    assert created.startswith("# Benchmarks") and "## 1. Understanding" in created


def test_markdown_table_shape():
    table = markdown_table(["a", "b"], [[1, None]]).splitlines()
    assert table == ["| a | b |", "|---|---|", "| 1 |  |"]
