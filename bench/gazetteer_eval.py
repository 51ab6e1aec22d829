"""The gazetteer alone (no trained model) on misspelled buurt names and on ordinary text.

    .venv/bin/python bench/gazetteer_eval.py [--show]

1. buurt accuracy on the typo sets bench/data/buurt_typos*.yml: a sentence counts
   when the gazetteer finds exactly the annotated buurt value(s) (no more, no fewer);
2. false positives: buurt entities found in every sentence of tests/nlu_test_data.yml,
   bench/data/nlu_heldout_8.yml and nlu_data/*.yml whose value is not annotated
   as a buurt in that sentence;
3. false friends: the 5000 most frequent Dutch words (bot/common_words_nl.yml), each
   alone, that the gazetteer takes for a buurt although the word is not a way of
   writing one.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_eval import load_examples  # noqa: E402
from bot.nlu.gazetteer import Gazetteer, build_tables  # noqa: E402

TYPO_SETS = sorted((ROOT / "bench" / "data").glob("buurt_typos*.yml"))
ORDINARY = [ROOT / "tests" / "nlu_test_data.yml", ROOT / "bench" / "data" / "nlu_heldout_8.yml",
            *sorted((ROOT / "nlu_data").glob("*.yml"))]


def buurten(gazetteer: Gazetteer, text: str) -> list:
    return sorted(e["value"] for e in gazetteer.extract(text) if e["entity"] == "buurt")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every miss and false positive")
    args = parser.parse_args()
    gazetteer = Gazetteer(build_tables())
    total_ok = total = 0
    for path in TYPO_SETS:
        examples = load_examples(path)
        ok = 0
        for ex in examples:
            gold = sorted(v for e, v in ex["entities"] if e == "buurt")
            found = buurten(gazetteer, ex["text"])
            if found == gold:
                ok += 1
            elif args.show:
                print(f"  miss {path.name}: {ex['text']!r} gold={gold} found={found}")
        total_ok += ok
        total += len(examples)
        print(f"{path.name}: buurt accuracy {ok}/{len(examples)} = {ok / len(examples):.3f}")
    print(f"all typo sets: {total_ok}/{total} = {total_ok / total:.3f}")
    false_positives = sentences = 0
    for path in ORDINARY:
        if not path.exists():
            continue
        for ex in load_examples(path):
            sentences += 1
            gold = {v for e, v in ex["entities"] if e == "buurt"}
            extra = [v for v in buurten(gazetteer, ex["text"]) if v not in gold]
            false_positives += len(extra)
            if extra and args.show:
                print(f"  false positive {path.relative_to(ROOT)}: {ex['text']!r} -> {extra}")
    print(f"false positives: {false_positives} buurt entities in {sentences} ordinary sentences")
    import yaml

    words = yaml.safe_load((ROOT / "bot" / "common_words_nl.yml").read_text(encoding="utf-8"))["words"]
    forms = set(gazetteer.tables.get("buurt", {})) | set(gazetteer.compact.get("buurt", {}))
    friends = []
    for word in words:
        found = buurten(gazetteer, str(word))
        if found and str(word).lower() not in forms:
            friends.append(f"{word}->{found[0]}")
    print(f"false friends: {len(friends)} of {len(words)} common Dutch words taken for a buurt")
    if friends and args.show:
        print("  " + ", ".join(friends))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
