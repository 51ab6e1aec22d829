"""The bag-of-words baseline of bench/nlu_eval.py learns and scores like the pipeline's evaluation."""
from __future__ import annotations

from bench.nlu_eval import baseline, pipeline_from_docs


def _examples(pairs):
    return [{"text": text, "intent": intent, "entities": []} for text, intent in pairs]


def test_baseline_learns_separable_intents_and_scores_against_the_gold_labels():
    train = _examples(
        [(f"hallo daar {n}", "greet") for n in range(10)]
        + [(f"waar is een buurthuis {n}", "find_meeting_place") for n in range(10)]
    )
    seen = _examples([("hallo daar", "greet"), ("waar is een buurthuis", "find_meeting_place")])
    result = baseline(train, seen, folds=2)
    assert result["held_out"]["accuracy"] == 1.0 and result["held_out"]["n"] == 2
    assert result["cross_validation"]["folds"] == 2
    swapped = _examples([("hallo daar", "find_meeting_place")])
    assert baseline(train, swapped, folds=2)["held_out"]["accuracy"] == 0.0


def test_pipeline_figures_are_read_back_from_the_benchmarks_doc():
    figures = pipeline_from_docs()
    assert 0 < figures["held_out"]["macro_f1"] <= 1
    assert 0 < figures["cross_validation"]["macro_f1"]["mean"] <= 1
