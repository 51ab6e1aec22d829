"""One catalogue for the texts the service says outside the Rasa domain."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet

import yaml

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yml")


@lru_cache(maxsize=1)
def _catalogue() -> Dict[str, Dict[str, str]]:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def text(key: str, language: str = "nl") -> str:
    """The text for `key` in `language`, falling back to Dutch."""
    entry = _catalogue()[key]
    return entry.get(language) or entry["nl"]


def keys():
    return list(_catalogue())


@lru_cache(maxsize=1)
def languages() -> FrozenSet[str]:
    """The language codes that have at least one text in the catalogue."""
    return frozenset(code for entry in _catalogue().values() for code in entry)
