"""The subsidy check for Kracht van de Samenleving (issue 18, point 3): plain Python.

A volunteer answers six questions (what the initiative is, for whom, which
buurt, how many people, how often, whether a similar place is nearby).
`run_precheck` applies the sourced rules of knowledge/data/subsidy.yml
(precheck.rules) to those answers, looks up places of the same type in and near
the buurt, and builds the checklist. Nothing here invents a rule: every line of
the result is a record of the data files, with its source and whether it is
confirmed for Kracht van de Samenleving ("nog niet bevestigd" when not).

    answers = Answers(kind="huiskamer", for_whom="senioren", buurt="Scharn",
                      people="10_25", frequency="elke_week", similar="weet_niet")
    result = run_precheck(kb, answers)
    result.rules, result.similar_places, result.checklist

The words the assistant says around this (labels, headings) are in
bot/catalogue.yml; bot/precheck.py renders them.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from knowledge.api import PrecheckRule

# the choices of each question (button values); free text is kept as the resident wrote it
KINDS = ("huiskamer", "sociaal_restaurant", "jongerenplek", "anders")
FOR_WHOM = ("senioren", "nieuwkomers", "jongeren", "iedereen")
PEOPLE = ("tot_10", "10_25", "meer_25")
FREQUENCY = ("elke_dag", "elke_week", "elke_maand", "af_en_toe")
SIMILAR = ("ja", "nee", "weet_niet")

# places of "the same type" as an initiative (place_types.yml keys)
SAME_TYPES: Dict[str, Tuple[str, ...]] = {
    "huiskamer": ("huiskamer",),
    "sociaal_restaurant": ("sociaal_restaurant",),
    "jongerenplek": ("jongerenplek",),
    "anders": (),
}
# a place under one roof with others (seed 10, Bouwsteen 4; 2.1)
COMMUNITY_TYPES = ("gemeenschapshuis", "ontmoetingscentrum", "huis_van_de_wijk")

MAX_FREE_TEXT = 80

_KIND_WORDS = (
    ("huiskamer", r"huiskamer|koffie|inloop"),
    ("sociaal_restaurant", r"restaurant|eettafel|samen eten|maaltijd|eetclub|kook"),
    ("jongerenplek", r"jongerenplek|jongeren ?plek|jeugd|tieners"),
)
_FOR_WHOM_WORDS = (
    ("senioren", r"senior|ouderen|oudere|bejaard|65\+|pensioen"),
    ("nieuwkomers", r"nieuwkomer|statushouder|vluchteling|migrant|expat|nieuw in"),
    ("jongeren", r"jongeren|jeugd|tiener|kinderen|studenten"),
    ("iedereen", r"iedereen|alle(n|maal)|hele buurt|buurtbewoners|voor alle"),
)
_FREQUENCY_WORDS = (
    ("elke_dag", r"elke dag|dagelijks|iedere dag"),
    ("elke_week", r"week|wekelijks|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"),
    ("elke_maand", r"maand|maandelijks"),
    ("af_en_toe", r"af en toe|soms|paar keer per jaar|een keer per jaar|nog niet"),
)


@dataclass(frozen=True)
class Answers:
    kind: str  # a KINDS value, or the resident's own words
    for_whom: str  # a FOR_WHOM value, or the resident's own words
    buurt: str  # canonical buurt name (resolved by the buurt slot)
    people: str  # a PEOPLE value, or the resident's own words
    frequency: str  # a FREQUENCY value, or the resident's own words
    similar: str  # a SIMILAR value

    @property
    def kind_key(self) -> str:
        return self.kind if self.kind in KINDS else "anders"


@dataclass(frozen=True)
class NearbyPlace:
    name: str
    place_type: str
    buurt: Optional[str]
    in_buurt: bool  # in the buurt itself (else in a neighbouring buurt)
    is_demo: bool
    source: str


@dataclass(frozen=True)
class PlanLine:
    """What the policy plan (7.2) says for this buurt (plans.yml)."""
    development: str
    how: str
    source: str


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    confirmed: bool
    status: str  # "nog niet bevestigd" or ""
    source: str


@dataclass(frozen=True)
class Precheck:
    answers: Answers
    rules: Tuple[PrecheckRule, ...]
    similar_places: Tuple[NearbyPlace, ...]  # of the same type, in or next to the buurt
    community_places: Tuple[NearbyPlace, ...]  # gemeenschapshuis & co in the buurt
    plans: Tuple[PlanLine, ...]
    checklist: Tuple[ChecklistItem, ...]
    check_with: str
    check_with_source: str
    similar_situation: str  # "found" | "resident_knows" | "none_known"
    notes: Tuple[str, ...] = field(default=())

    @property
    def unconfirmed(self) -> Tuple[PrecheckRule, ...]:
        return tuple(r for r in self.rules if not r.confirmed)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-safe copy (what the checklist store keeps for the print page)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Precheck":
        return cls(
            answers=Answers(**data["answers"]),
            rules=tuple(PrecheckRule(**r) for r in data["rules"]),
            similar_places=tuple(NearbyPlace(**p) for p in data["similar_places"]),
            community_places=tuple(NearbyPlace(**p) for p in data["community_places"]),
            plans=tuple(PlanLine(**p) for p in data["plans"]),
            checklist=tuple(ChecklistItem(**c) for c in data["checklist"]),
            check_with=data["check_with"],
            check_with_source=data["check_with_source"],
            similar_situation=data["similar_situation"],
            notes=tuple(data.get("notes") or ()),
        )


# --------------------------------------------------------------------------- reading answers


def _clean(text: Optional[str]) -> str:
    return re.sub(r"\s+", " ", (text or "")).strip()[:MAX_FREE_TEXT]


def _match(table, text: str) -> Optional[str]:
    lowered = _clean(text).lower()
    for key, pattern in table:
        if re.search(pattern, lowered):
            return key
    return None


_DONT_KNOW = re.compile(r"^(ik )?weet (ik )?(het )?niet|^geen idee|^geen flauw idee|^\?+$")


def _own_words(text: Optional[str]) -> Optional[str]:
    """The resident's own words as the answer; None for "weet ik niet" (then the
    question is asked again, with its buttons)."""
    cleaned = _clean(text)
    if not cleaned or _DONT_KNOW.search(cleaned.lower()):
        return None
    return cleaned


def kind_answer(choice: Optional[str], text: Optional[str]) -> Optional[str]:
    """The kind of initiative: a button value, a known word, or the resident's words."""
    if choice in KINDS:
        return choice
    return _match(_KIND_WORDS, text or "") or _own_words(text)


def for_whom_answer(choice: Optional[str], text: Optional[str]) -> Optional[str]:
    if choice in FOR_WHOM:
        return choice
    return _match(_FOR_WHOM_WORDS, text or "") or _own_words(text)


def people_answer(choice: Optional[str], text: Optional[str]) -> Optional[str]:
    """About how many people: a button value, or a number typed ("ongeveer 15")."""
    if choice in PEOPLE:
        return choice
    numbers = [int(n) for n in re.findall(r"\d+", text or "")]
    if numbers:
        most = max(numbers)
        return "tot_10" if most < 10 else "10_25" if most <= 25 else "meer_25"
    return _own_words(text)


def frequency_answer(choice: Optional[str], text: Optional[str]) -> Optional[str]:
    if choice in FREQUENCY:
        return choice
    return _match(_FREQUENCY_WORDS, text or "") or _own_words(text)


def similar_answer(choice: Optional[str], intent: Optional[str], text: Optional[str]) -> Optional[str]:
    """"ja" / "nee" / "weet_niet"; None when the words say none of these."""
    if choice in SIMILAR:
        return choice
    if intent == "affirm":
        return "ja"
    if intent == "deny":
        return "nee"
    lowered = _clean(text).lower()
    if re.search(r"weet (ik )?niet|geen idee|geen flauw|onbekend|misschien", lowered):
        return "weet_niet"
    if re.search(r"^(nee|neen|nope|niet dat ik weet|geen)\b", lowered):
        return "nee"
    if re.search(r"^(ja|jawel|jazeker|klopt)\b|er is al", lowered):
        return "ja"
    return None


# --------------------------------------------------------------------------- the check


def _applies(rule: PrecheckRule, answers: Answers, community_near: bool) -> bool:
    return {
        "always": True,
        "kind_other": answers.kind_key == "anders",
        "for_jongeren": answers.for_whom == "jongeren" or answers.kind_key == "jongerenplek",
        "for_senioren": answers.for_whom == "senioren",
        "community_centre_near": community_near,
    }.get(rule.applies, False)


def _nearby(kb, buurt: str, place_types: Sequence[str], with_neighbours: bool) -> List[NearbyPlace]:
    if not place_types:
        return []
    out: List[NearbyPlace] = []
    seen = set()
    buurten = [buurt] + (kb.neighbours(buurt) if with_neighbours else [])
    for index, name in enumerate(buurten):
        for place_type in place_types:
            for place in kb.places(buurt=name, place_type=place_type):
                if place.key in seen:
                    continue
                seen.add(place.key)
                out.append(NearbyPlace(place.name, place.place_type, place.buurt, index == 0,
                                       place.is_demo, place.source))
    return out


def run_precheck(kb, answers: Answers) -> Precheck:
    """Apply the sourced rules to the answers (kb: a knowledge.KnowledgeBase)."""
    subsidy = kb.subsidy()
    similar = _nearby(kb, answers.buurt, SAME_TYPES[answers.kind_key], with_neighbours=True)
    community = _nearby(kb, answers.buurt, COMMUNITY_TYPES, with_neighbours=False)
    rules = tuple(r for r in subsidy.precheck_rules if _applies(r, answers, bool(community)))
    if similar:
        situation = "found"
    elif answers.similar == "ja":
        situation = "resident_knows"
    else:
        situation = "none_known"
    plans = tuple(PlanLine(p.development, p.how, p.source) for p in kb.plans_for_buurt(answers.buurt))
    checklist = tuple(ChecklistItem(r.todo, r.confirmed, r.status, r.source) for r in rules)
    return Precheck(answers=answers, rules=rules, similar_places=tuple(similar),
                    community_places=tuple(community), plans=plans, checklist=checklist,
                    check_with=subsidy.check_with, check_with_source=subsidy.check_with_source,
                    similar_situation=situation)
