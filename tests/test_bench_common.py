"""The pure parts of the benchmark scripts (no timing, no servers)."""
from __future__ import annotations

import itertools

import pytest

from bench.common import markdown_table, pair_ratios, percentile, spread, summarise
from bench.queue_bench import count_outcomes
from bench.report import BEGIN, END, cell, render, splice
from bench.service_bench import (
    FLOOR_SCRIPTS,
    OUR_SCRIPTS,
    conversation_stream,
    latency_targets,
    one_message_stream,
    soak_growth,
    startup_summary,
    summarise_levels,
)
from bench.train_bench import summary as training_summary


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


def test_spread_is_the_median_of_the_runs_with_min_and_max():
    assert spread([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0,
                                       "runs": [3.0, 1.0, 2.0]}
    assert spread([1.0, 4.0])["median"] == 2.5
    assert spread([None, 5.0])["median"] == 5.0  # a run without the figure is left out
    assert spread([]) is None and spread([None]) is None


def test_ratios_are_taken_within_each_pair_before_the_median():
    # the load doubled in run 2: both halves slowed down, the pair ratio did not
    ours, floor = [120, 240, 130], [100, 200, 100]
    ratios = pair_ratios(ours, floor)
    assert ratios["runs"] == [1.2, 1.2, 1.3]
    assert ratios["median"] == 1.2  # the ratio of the medians would be 130/100 = 1.3
    assert pair_ratios([1.0], [0]) is None  # no floor figure: no ratio


def _run(ours_p95, floor_p95, ours_rate, floor_rate):
    level = {"p50_ms": 1, "p99_ms": 1, "errors": 0, "cpu_ms_per_msg_service": 1,
             "cpu_ms_per_msg_total": 2}
    return {"ours": {"levels": {"10": {**level, "p95_ms": ours_p95,
                                       "throughput_msg_s": ours_rate,
                                       "place_searches_checked": 5,
                                       "place_searches_wrong": 1}}},
            "floor": {"levels": {"10": {**level, "p95_ms": floor_p95,
                                        "throughput_msg_s": floor_rate}}}}


def test_latency_targets_use_the_median_of_the_pair_ratios():
    runs = [_run(110, 100, 20, 20), _run(300, 200, 10, 12), _run(115, 100, 21, 20)]
    summary = summarise_levels(runs, [10])
    assert summary["10"]["ours"]["p95_ms"]["median"] == 115
    assert summary["10"]["floor"]["errors"]["median"] == 0
    assert summary["10"]["ours"]["place_searches_wrong"] == 3
    targets = latency_targets(summary)
    assert targets["p95_at_10_over_floor"] == 1.15  # ratios 1.1, 1.5, 1.15
    assert targets["p95_at_10_met"] is True
    assert targets["throughput_at_10_over_floor"] == 1.0  # 1.0, 0.83, 1.05
    assert targets["throughput_at_10_met"] is True
    slow = latency_targets(summarise_levels([_run(130, 100, 9, 10)], [10]))
    assert slow["p95_at_10_met"] is False and slow["throughput_at_10_met"] is False
    assert latency_targets({})["p95_at_10_met"] is False


def test_startup_summary_compares_the_service_process_with_the_floor():
    def run(ours_s, floor_s, ours_mb, floor_mb):
        return {"ours": {"startup_s": ours_s,
                         "rss_after_start": {"service_mb": ours_mb, "actions_mb": 100,
                                             "total_mb": ours_mb + 100}},
                "floor": {"startup_s": floor_s,
                          "rss_after_start": {"service_mb": floor_mb, "actions_mb": None,
                                              "total_mb": floor_mb}}}
    result = startup_summary([run(11, 10, 540, 500), run(13, 10, 560, 500)])
    assert result["startup_over_floor"]["median"] == 1.2 and result["startup_met"]
    assert result["rss_service_over_floor"]["median"] == 1.1 and result["rss_met"]
    assert result["rss_total_over_floor"]["median"] == 1.3
    assert not startup_summary([run(13, 10, 600, 500)])["startup_met"]


def test_soak_growth_is_measured_after_the_warm_up():
    samples = [{"messages": 0, "rss_mb": 500.0}, {"messages": 1000, "rss_mb": 600.0},
               {"messages": 5000, "rss_mb": 615.0}, {"messages": 10000, "rss_mb": 606.0}]
    growth = soak_growth(samples)
    assert growth["growth_mb"] == 6.0 and growth["growth_pct"] == 1.0 and growth["met"]
    assert growth["peak_over_first_pct"] == 2.5
    samples[-1]["rss_mb"] = 613.0
    assert not soak_growth(samples)["met"]  # 2.17 % > 2 %
    assert soak_growth(samples[:2])["met"] is False  # nothing after the warm-up to compare


def test_the_soak_sends_every_message_from_a_new_sender():
    pairs = list(itertools.islice(one_message_stream([["a", "b"], ["c"]]), 7))
    assert [text for _, text in pairs] == ["a", "b", "c", "a", "b", "c", "a"]
    assert len({sender for sender, _ in pairs}) == 7


def test_the_floor_gets_conversations_of_the_same_shape_and_length():
    assert [len(s) for s in FLOOR_SCRIPTS] == [len(s) for s in OUR_SCRIPTS]

    def mean_length(scripts):
        texts = [t for s in scripts for t in s]
        return sum(len(t) for t in texts) / len(texts)

    assert abs(mean_length(FLOOR_SCRIPTS) / mean_length(OUR_SCRIPTS) - 1) < 0.15


def test_training_summary_checks_the_target_per_pair():
    floor = [{"seconds": 100, "cpu_seconds": 150}, {"seconds": 200, "cpu_seconds": 150}]
    full = [{"seconds": 140, "cpu_seconds": 210}, {"seconds": 320, "cpu_seconds": 240}]
    result = training_summary(floor, full)
    assert result["full_over_floor"]["runs"] == [1.4, 1.6]
    assert result["full_over_floor"]["median"] == 1.5 and result["met"]
    assert result["full_over_floor_cpu"]["median"] == 1.5
    assert not training_summary(floor[:1], [{"seconds": 151, "cpu_seconds": 1}])["met"]


def test_cells_show_the_median_and_spread():
    assert cell({"median": 2, "min": 1, "max": 3}) == "2 [1–3]"
    assert cell({"median": 2, "min": 2, "max": 2}) == "2"
    assert cell(None) == ""


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


def test_the_report_renders_the_floor_comparison():
    runs = [_run(110, 100, 20, 20), _run(115, 100, 21, 20), _run(120, 100, 19, 20)]
    for run in runs:
        for stack in ("ours", "floor"):
            run[stack].update(startup_s=10.0, rss_after_start={"service_mb": 500.0,
                                                               "actions_mb": 50.0,
                                                               "total_mb": 550.0})
    summary = summarise_levels(runs, [10])
    latency = {"command": "c", "model": "/m/full.tar.gz", "floor_model": "/f/floor.tar.gz",
               "runs_count": 3, "levels": [10], "messages_per_level": {"10": 300},
               "summary": summary, "targets": latency_targets(summary)}
    startup = {"command": "c", "runs_count": 3, "summary": startup_summary(runs)}
    samples = [{"messages": m, "rss_mb": r, "actions_rss_mb": 50.0}
               for m, r in ((0, 500.0), (1000, 600.0), (2000, 601.0))]
    soak = {"senders": 2000, "senders_planned": 10000, "concurrency": 10, "samples": samples,
            "service": soak_growth(samples), "actions": soak_growth(samples)}
    training = {"command": "c", "full": [{"seconds": 150}], "floor": [{"seconds": 100}],
                "summary": training_summary([{"seconds": 100}], [{"seconds": 150}])}
    text = render({"latency": latency, "startup": startup, "soak": soak, "training": training})
    assert "| 10 | 300 | 1 | 115 [110–120] |" in text
    assert "p95 ≤ 1.2 × floor: **1.15×** (met)" in text
    assert "stopped early: 10000 planned" in text and "0.17 %" in text
    assert "full ≤ 1.5 × floor (met)" in text


def test_the_floor_can_be_prepared_twice_in_one_process(tmp_path):
    """Three training pairs prepare the floor three times in one process: Rasa's
    scaffold copies with distutils, which remembers folders it made (and removed)."""
    from bench.common import prepare_floor

    floor = tmp_path / "floor"
    prepare_floor(floor)
    prepare_floor(floor)
    assert (floor / "actions" / "__init__.py").exists() and (floor / "config.yml").exists()


def test_the_breakdown_shows_the_intent_classifier_of_each_model():
    from bench.report import breakdown_section
    result = {"command": "python -m bench.breakdown", "machine": {"date_utc": "2026-12-05", "nproc": 2},
              "ours": {"nlu_parse_mean_ms": 4.0, "handle_text_mean_ms": 9.0,
                       "node_mean_ms": {"run_LinearIntentClassifier1": 0.7,
                                        "run_FallbackClassifier4": 0.1}},
              "floor": {"nlu_parse_mean_ms": 12.0, "handle_text_mean_ms": 30.0,
                        "node_mean_ms": {"run_DIETClassifier5": 8.5}}}
    text = "\n".join(breakdown_section(result))
    assert "intent classifier (ms)" in text
    ours_row = next(line for line in text.splitlines() if line.startswith("| ours"))
    floor_row = next(line for line in text.splitlines() if line.startswith("| floor"))
    assert "0.7" in ours_row and "8.5" in floor_row
