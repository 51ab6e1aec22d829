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


def test_pipeline_figures_are_read_back_from_the_benchmarks_doc(tmp_path, monkeypatch):
    import bench.nlu_eval as nlu_eval

    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(
        "# Benchmarks\n\n| figure | value |\n|---|---|\n"
        "| intent accuracy | 0.912 |\n| intent macro-F1 | 0.934 |\n"
        "| 5-fold CV intent macro-F1 (training data) | 0.751 ± 0.020 |\n"
        "| 5-fold CV intent accuracy | 0.702 ± 0.011 |\n",
        encoding="utf-8")
    monkeypatch.setattr(nlu_eval, "BENCHMARKS", doc)
    figures = pipeline_from_docs()
    assert figures["held_out"] == {"accuracy": 0.912, "macro_f1": 0.934}
    assert figures["cross_validation"]["macro_f1"]["mean"] == 0.751
    assert figures["cross_validation"]["accuracy"]["mean"] == 0.702
    monkeypatch.setattr(nlu_eval, "BENCHMARKS", tmp_path / "missing.md")
    assert pipeline_from_docs() is None
