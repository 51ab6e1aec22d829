"""Writes bot/common_words_nl.yml: the 5000 most frequent Dutch word forms.

Source: wordfreq 3.1.1 (Robyn Speer et al., data CC BY-SA 4.0; Dutch from
subtitles, Wikipedia, web text, Twitter and books, frozen in 2021). wordfreq is
only needed to regenerate the list (57 MB wheel), not to run or test:
    pip install --target /tmp/wf wordfreq==3.1.1
    PYTHONPATH=/tmp/wf python scripts/common_words_nl.py
"""
from __future__ import annotations

import re
from pathlib import Path

import wordfreq

COUNT = 5000
OUT = Path(__file__).resolve().parent.parent / "bot" / "common_words_nl.yml"
_WORD = re.compile(r"^[^\W\d_]+$")


def main() -> None:
    words = [w for w in wordfreq.top_n_list("nl", COUNT * 2) if _WORD.match(w)][:COUNT]
    header = (
        "# The 5000 most frequent Dutch word forms, most frequent first.\n"
        "# From wordfreq 3.1.1 (https://github.com/rspeer/wordfreq), data licence\n"
        "# CC BY-SA 4.0 (this list is a derived work under the same licence).\n"
        "# Written by scripts/common_words_nl.py; used by the A2 gate\n"
        "# (tests/test_readability_a2.py) and bot/reading_level.py.\n"
    )
    OUT.write_text(header + "words:\n" + "".join(f"  - \"{w}\"\n" for w in words), encoding="utf-8")


if __name__ == "__main__":
    main()
