"""Which reading level a resident gets: B1 (the default) or A2 (simpler Dutch).

Two ways to A2 (issue 18, point 4):
- the resident asks for it: "makkelijker", "simpel", "ik begrijp het niet", or
  the button "Makkelijker" (`explicit_request`); "normaal" or "gewone taal"
  goes back to B1;
- the message looks like the Dutch of someone still learning it
  (`looks_like_learner_dutch`): plain signals, each one a known trait of
  learner Dutch, never the shortness of a message alone (a terse native senior
  writing "huiskamer malberg" keeps B1).

The signals and their weights (a message switches at SWITCH_SCORE):
- the resident says they speak little Dutch ("ik spreek niet goed Nederlands");
- an infinitive straight after a singular subject ("ik zoeken", "ik niet weten");
- a verb form that does not agree with "ik" ("ik is", "ik heeft", "ik wilt");
- "mij" as a subject ("mij zoeken plek");
- English or German function words in a Dutch message ("ik need help", "bitte");
- many words that are no Dutch word form at all (spelling), among 3 or more.
The spelling check uses the Dutch word forms of spaCy's lookup lemmatiser
(spacy-lookups-data, already the tokenizer's) and the 5000 most frequent Dutch
words (bot/common_words_nl.yml, from wordfreq). Measured on the labelled set in
tests/fixtures/reading_level_labelled.yml (tests/test_reading_level.py).
"""
from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, List, Optional, Tuple

import yaml

B1 = "b1"
A2 = "a2"
LEVELS = (B1, A2)
SWITCH_SCORE = 2.0

COMMON_WORDS_FILE = Path(__file__).with_name("common_words_nl.yml")

_EXPLICIT = {
    A2: re.compile(
        r"^(?:(?:kan|kunt u|kun je|mag|graag|liever|alstublieft|alsjeblieft|in|wat|ik wil|"
        r"het is|dat is|dit is|het|dat|veel|iets|nog)\s+)*"
        r"(?:makkelijker|gemakkelijker|simpel|simpeler|eenvoudiger|te moeilijk|"
        r"veel te moeilijk|makkelijke taal|simpele taal|eenvoudige taal|makkelijk nederlands|"
        r"simpel nederlands|makkelijker nederlands)"
        r"(?:\s+(?:graag|alstublieft|alsjeblieft|aub|a\.u\.b\.|zeggen|praten|schrijven|uitleggen|"
        r"taal|nederlands|zeggen aub|please))*$"
        r"|^(?:sorry,?\s+)?(?:ik|dat|dit)?\s*(?:begrijp|snap|versta)\s+(?:ik\s+)?(?:het|u|je|dat|dit|jou)?"
        r"\s*niet(?:\s+(?:goed|zo goed|helemaal))?$"
        r"|^(?:ik\s+)?(?:niet|geen)\s+(?:begrijpen|snappen|begrijp|snap)$"
        r"|^wat bedoelt u$|^wat bedoel je$",
        re.IGNORECASE,
    ),
    B1: re.compile(
        r"^(?:(?:graag|liever|weer|in|gewoon)\s+)*"
        r"(?:normaal|normale taal|gewone taal|gewoon nederlands|normaal nederlands|gewoon praten|"
        r"normaal praten|niet zo simpel|niet zo makkelijk|moeilijker mag|het mag moeilijker)"
        r"(?:\s+(?:graag|alstublieft|alsjeblieft|aub|praten|schrijven|taal|nederlands|weer))*$",
        re.IGNORECASE,
    ),
}

# the resident says they speak little Dutch
_LITTLE_DUTCH = re.compile(
    r"\b(?:niet|geen|weinig|klein beetje|beetje|slecht|nog niet)\s+(?:goed\s+|veel\s+)?"
    r"(?:nederlands|nederland|hollands|taal)\b"
    r"|\bnederlands\s+(?:niet|slecht|moeilijk|nog niet)\b"
    r"|\b(?:ik\s+)?(?:leer|leren|lerend)\s+(?:nog\s+)?(?:nederlands|de taal)\b"
    r"|\bnieuw in nederland\b",
    re.IGNORECASE,
)
# infinitives a learner puts after "ik" ("ik zoeken"); "wij/we/jullie/zij" + infinitive is right
_INFINITIVES = frozenset("""
zoeken willen gaan hebben komen kunnen moeten praten wonen spreken weten begrijpen
snappen leren werken maken zien doen vinden helpen kennen lopen eten drinken spelen
ontmoeten bellen vragen krijgen zitten staan nemen geven betalen wachten schrijven
lezen wensen houden zeggen horen voelen denken mogen kopen
""".split())
_SINGULAR_SUBJECTS = frozenset({"ik", "jij", "hij"})
# after these the infinitive is right ("kan ik komen", "wil jij praten", "laat hij gaan")
_BEFORE_INVERSION = frozenset("""
kan kun kunt wil wilt mag moet moest zal zou zouden ga gaat hoef hoeft durf durft kon wou
laat laten zie ziet hoor hoort kom komt blijf blijft
""".split())
_ADVERBS = frozenset({"niet", "ook", "nu", "graag", "veel", "nog", "even", "echt", "hier"})
# forms that do not agree with "ik" right after it ("ik is", "ik heeft", "ik wilt")
_WRONG_WITH_IK = frozenset("""
is heeft hebt bent wilt kunt zult gaat komt woont zoekt spreekt begrijpt snapt werkt vindt kent
""".split())
# "mij" where "ik" or "mijn" belongs: at the start of a clause, or before a noun ("mij naam")
_MIJ_SUBJECT = re.compile(r"(?:^|[.!?,]\s*)mij\s+(?!ook\b|niet\b|best\b|maakt\b|maar\b)(\w+)", re.IGNORECASE)
_MIJ_POSSESSIVE = re.compile(
    r"\bmij\s+(?:naam|man|vrouw|kind|kinderen|zoon|dochter|moeder|vader|familie|huis|adres|"
    r"nummer|telefoon|vriend|vrienden|buurt|brief|dokter)\b", re.IGNORECASE)
# "ik" with no verb at the start of a clause: "ik alleen", "ik nieuw hier"
_NO_VERB_AFTER_IK = frozenset({"alleen", "nieuw", "ziek", "moe", "bang", "blij", "eenzaam", "graag"})
_CLAUSE_STARTS = frozenset({".", "!", "?", ",", "en", "maar"})
# function words of English or German in a Dutch message ("sorry", "ok", "thanks",
# "merci" and "help" are Dutch enough to leave out)
_FOREIGN_WORDS = frozenset("""
i i'm my me you the is there where what how need want please people place meet
and with for from can not no yes very much don't know understand speak
bitte nicht und wo ist brauche mein meine sprechen verstehe
""".split()) - {"is", "me", "no", "and"}
MAX_FOREIGN = 2
MIN_WORDS_FOR_SPELLING = 3
UNKNOWN_SHARE = 0.5

WEIGHTS = {
    "little_dutch": 2.0,
    "subject_infinitive": 2.0,
    "ik_agreement": 2.0,
    "mij_subject": 1.0,
    "mij_possessive": 2.0,
    "ik_without_verb": 1.5,
    "foreign_words": 1.0,  # per distinct word, at most MAX_FOREIGN
    "spelling": 1.0,
}


def explicit_request(text: str) -> Optional[str]:
    """'makkelijker' -> 'a2', 'gewone taal' -> 'b1', else None."""
    cleaned = re.sub(r"[.!?,]+$", "", (text or "").strip().lower()).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    for level, pattern in _EXPLICIT.items():
        if pattern.search(cleaned):
            return level
    return None


@lru_cache(maxsize=1)
def common_words() -> Tuple[str, ...]:
    """The 5000 most frequent Dutch word forms, most frequent first (wordfreq)."""
    data = yaml.safe_load(COMMON_WORDS_FILE.read_text(encoding="utf-8"))
    return tuple(str(w) for w in data["words"])


@lru_cache(maxsize=1)
def dutch_word_forms() -> FrozenSet[str]:
    """Every Dutch word form spaCy's lookup lemmatiser knows, its lemmas and the common words."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "nl_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lookup = json.load(handle)
    forms = {w.lower() for w in lookup} | {w.lower() for w in lookup.values()}
    return frozenset(forms | set(common_words()))


def _subject_then(tokens: List[str], verbs: FrozenSet[str], subjects: FrozenSet[str],
                  skip: FrozenSet[str] = frozenset()) -> bool:
    """A subject, not after an inverting verb, followed (past `skip` words) by one of `verbs`."""
    for i, token in enumerate(tokens):
        if token not in subjects or (i > 0 and tokens[i - 1] in _BEFORE_INVERSION):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j] in skip:
            j += 1
        if j < len(tokens) and tokens[j] in verbs:
            return True
    return False


def signals(text: str, known_names: FrozenSet[str] = frozenset()) -> List[str]:
    """The learner-Dutch signals a message shows (names of WEIGHTS)."""
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return []
    found = []
    lowered = text.lower()
    if _LITTLE_DUTCH.search(lowered):
        found.append("little_dutch")
    tokens = re.findall(r"[^\W\d_]+|[.!?,]", lowered)
    if _subject_then(tokens, _INFINITIVES, _SINGULAR_SUBJECTS, skip=_ADVERBS):
        found.append("subject_infinitive")
    if _subject_then(tokens, _WRONG_WITH_IK, frozenset({"ik"})):
        found.append("ik_agreement")
    if _MIJ_POSSESSIVE.search(lowered):
        found.append("mij_possessive")
    elif _MIJ_SUBJECT.search(lowered):
        mij = _MIJ_SUBJECT.search(lowered)
        found.append("subject_infinitive" if mij and mij.group(1) in _INFINITIVES else "mij_subject")
    if any(token == "ik" and (i == 0 or tokens[i - 1] in _CLAUSE_STARTS)
           and i + 1 < len(tokens) and tokens[i + 1] in _NO_VERB_AFTER_IK
           for i, token in enumerate(tokens)):
        found.append("ik_without_verb")
    words = [w.lower() for w in re.findall(r"[^\W\d_]+(?:'[a-z]+)?", text)]
    foreign = sorted({w for w in words if w in _FOREIGN_WORDS})
    if foreign and len(words) >= 2:
        found.extend(["foreign_words"] * min(len(foreign), MAX_FOREIGN))
    checked = [w for w in words if w not in known_names and len(w) > 1]
    if len(checked) >= MIN_WORDS_FOR_SPELLING:
        forms = dutch_word_forms()
        unknown = [w for w in checked if w not in forms and w not in _FOREIGN_WORDS]
        if len(unknown) / len(checked) >= UNKNOWN_SHARE:
            found.append("spelling")
    return found


def score(text: str, known_names: FrozenSet[str] = frozenset()) -> float:
    return sum(WEIGHTS[name] for name in signals(text, known_names))


def looks_like_learner_dutch(text: str, known_names: FrozenSet[str] = frozenset()) -> bool:
    """True when a message shows enough signals of learner Dutch to answer in A2."""
    return score(text, known_names) >= SWITCH_SCORE
