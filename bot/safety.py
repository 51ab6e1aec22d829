"""Safeguarding: helplines, the crisis keyword safety net, the way-out commands
and a counter of safety events without personal data.

The helpline numbers live in ONE place, knowledge/data/helplines.yml (each with
its source); the crisis and loneliness responses are filled from there.
"""
from __future__ import annotations

import fcntl
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import yaml

logger = logging.getLogger(__name__)

HELPLINES_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "helplines.yml"

CRISIS_INTENT = "crisis"
START_OVER_INTENT = "start_over"
HELP_INTENT = "help"


# --- helplines --------------------------------------------------------------
@lru_cache(maxsize=4)
def helplines(path: Optional[str] = None) -> Dict[str, dict]:
    """The helplines by key (zelfmoordpreventie, luisterlijn, emergency, ...)."""
    with Path(path or HELPLINES_FILE).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)["helplines"]
    for key, entry in data.items():
        if not entry.get("phone") or not entry.get("source"):
            raise ValueError(f"helpline {key} needs a phone number and a source")
    return data


def helpline_values() -> Dict[str, str]:
    """The placeholders of the crisis and loneliness responses."""
    lines = helplines()
    return {
        "phone_113": lines["zelfmoordpreventie"]["phone"],
        "phone_113_free": lines["zelfmoordpreventie"]["phone_free"],
        "phone_112": lines["emergency"]["phone"],
        "phone_luisterlijn": lines["luisterlijn"]["phone"],
    }


# --- text normalisation -----------------------------------------------------
def normalise(text: str) -> str:
    """Lower case, no accents, letters/digits/spaces only, runs of 3+ letters to 2."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("\u2019", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    text = re.sub(r"(\w)\1{2,}", r"\1\1", text)
    return re.sub(r"\s+", " ", text).strip()


# --- the crisis safety net: a small model of first-person danger ------------
# Runs after the classifiers (bot/nlu/safety.py) and in the channel layer.
# Err on the side of safety: a false alarm costs one kind message, a miss can
# cost a life. Not a phrase list: each message is cut into sentences, every
# word gets its lemma (spacy-lookups-data, Dutch and English lookup tables, so
# "sprong", "gesprongen", "springt" are all `springen`) and its concepts
# (CONCEPTS below), and a few named rules combine them:
#   always     a word that is always a signal (zelfmoord, suicide, ... and typos)
#   expression a fixed expression of wanting to end or not to exist
#   wish       wanting to die / not wanting to live (want + die, not + live)
#   method     first person + a method (jump + a height, water or track; pills
#              in a quantity or saved up; a rope made or bought; cutting the
#              wrists or oneself; drowning; gas opened; hanging oneself)
#   violence   someone hurts, threatens or beats ME (me/mij as the object, or
#              "ik word/ben ..." passive), or "bang voor mijn leven"
# Before that, false friends are blanked out ("dood van het lachen", "spring even
# binnen", "wat een strop", "op de trein"), so the rest is still read. A signal
# that is not clear enough (a method word or despair without a clear danger) is
# `check_in`: the assistant asks kindly instead of staying silent.
CRISIS = "crisis"
CHECK_IN = "check_in"
CHECK_IN_INTENT = "crisis_check"

# Words whose lemma is missing or wrong in the lookup tables (irregular forms,
# imperatives, plurals): word -> lemma. Everything else comes from the tables.
EXTRA_LEMMAS = {
    "spring": "springen", "sprong": "springen", "sprongen": "springen", "spring'": "springen",
    "geslagen": "slaan", "sla": "slaan", "slaat": "slaan", "slaan": "slaan",
    "slik": "slikken", "spaar": "sparen", "pillen": "pil", "pilletjes": "pil", "polsen": "pols",
    "vermoordde": "vermoorden", "vermoord": "vermoorden", "hang": "hangen",
    "snij": "snijden", "snijd": "snijden", "verdrink": "verdrinken", "cut": "cut",
    "opgesloten": "opsluiten", "dood": "dood", "doodgaan": "doodgaan", "leve": "leven",
    "medicijnen": "medicijn", "neem": "nemen", "genomen": "nemen",
    "opengedraaid": "opendraaien", "wil": "willen", "wou": "willen", "wilde": "willen",
    "will": "willen", "mochte": "willen", "want": "want", "wanna": "want",
}

CONCEPTS: Dict[str, Set[str]] = {
    # the resident: subject, object (reflexive), possessive
    "i": {"ik", "'k", "i", "i'm", "im", "ive", "i've", "ich"},
    "me": {"me", "mij", "mezelf", "mijzelf", "myself", "mich", "mir", "mijn", "m'n", "mn", "my"},
    "myself": {"mezelf", "mijzelf", "myself", "mich"},
    "victim": {"me", "mij", "mich", "mir"},
    "passive": {"word", "wordt", "werd", "worden", "ben", "was", "am", "get", "got"},
    "other": {
        "man", "vrouw", "partner", "vriend", "vriendin", "ex", "vader", "pa", "papa", "moeder",
        "ma", "mama", "zoon", "dochter", "broer", "zus", "stiefvader", "oom", "buurman",
        "hij", "zij", "ze", "iemand", "husband", "wife", "boyfriend", "girlfriend", "he", "she",
        "someone", "father", "dad", "mother", "son", "brother",
    },
    "home": {"thuis", "huis", "home"},
    # wishes
    "want": {"willen", "want", "hopen", "liever", "liefst", "beter", "wish", "rather"},
    "die": {"dood", "doodgaan", "sterven", "overlijden", "dead", "sterben"},
    "not": {"niet", "nie", "geen", "nooit", "not", "dont", "don't", "never", "no", "nicht", "kein"},
    "more": {"meer", "langer", "anymore", "more", "mehr", "longer"},
    "live": {"leven", "bestaan", "live", "living", "alive", "leben"},
    "wake": {"wakker", "opstaan", "ontwaken", "wake"},
    # methods
    "jump": {"springen", "jump", "afspringen", "gooien"},
    "height": {
        "brug", "dak", "flat", "balkon", "raam", "toren", "parkeergarage", "spoor", "trein",
        "bus", "auto", "tram", "vrachtwagen", "metro", "maas", "water", "kanaal", "rivier",
        "bridge", "roof", "building", "window", "train", "tracks", "river", "flatgebouw",
    },
    "pills": {
        "pil", "medicijn", "medicatie", "slaappil", "paracetamol", "oxazepam",
        "pillen", "tabletten", "medicijnen", "pills", "pill", "tablets", "meds", "medication",
    },
    "take": {"slikken", "innemen", "nemen", "opmaken", "take", "swallow", "took", "taken"},
    "hoard": {"sparen", "opsparen", "verzamelen", "bewaren", "save", "collect", "hoard", "stockpile"},
    "amount": {"alle", "al", "allemaal", "veel", "hele", "heel", "strip", "doos", "pot", "handvol",
               "all", "lot", "whole", "bunch"},
    "routine": {"dokter", "huisarts", "apotheek", "ophalen", "recept", "altijd", "elke", "iedere",
                "glas", "vergeten", "bijwerking", "doctor", "pharmacy", "prescription", "every"},
    "cut": {"snijden", "opensnijden", "kerven", "krassen", "cut", "slash"},
    "wrist": {"pols", "arm", "armen", "wrist", "wrists"},
    "knife": {"mes", "scheermes", "scheermesje", "knife", "blade", "razor"},
    "kitchen": {"ui", "brood", "groente", "keuken", "recept", "koken", "snijplank", "vlees",
                "aardappel", "taart", "kaas", "cooking", "bread", "kitchen", "pan", "soep"},
    "hang": {"ophangen", "verhangen", "hangen", "hang"},
    "rope": {"strop", "touw", "rope", "noose"},
    "make": {"maken", "kopen", "halen", "klaarleggen", "hebben", "knopen", "make", "buy", "bought",
             "made", "tie", "tied", "have", "gekocht", "gemaakt", "gehaald"},
    "drown": {"verdrinken", "drown"},
    "gas": {"gas"},
    "open": {"opendraaien", "openzetten", "aanzetten", "aandraaien", "open"},
    "hurt": {"aandoen", "doden", "doodmaken", "vergiftigen", "verwonden", "beschadigen",
             "kill", "hurt", "harm"},
    "overdose": {"overdosis", "overdose", "od"},
    # violence against the resident
    "violence": {
        "slaan", "schoppen", "mishandelen", "bedreigen", "vermoorden", "doodmaken", "doodslaan",
        "wurgen", "opsluiten", "verkrachten", "steken", "aanvallen", "hit", "beat", "kick",
        "abuse", "threaten", "strangle", "rape", "stab", "hurt", "kill", "vermoordt",
    },
    "despair": {"zinloos", "hopeloos", "uitzichtloos", "waardeloos", "hopeless", "pointless",
                "worthless", "opgeven"},
}

# Always a signal (fuzzy: two slips in a long word, one in a short one; also at
# the start of a compound: "zelfmoordgedachten").
ALWAYS_WORDS = ("zelfmoord", "zelfdoding", "suicide", "suicidaal", "suicidal", "selbstmord",
                "suizid", "zelfbeschadiging", "afscheidsbrief", "zelfmoordgedachten")
ALWAYS_PATTERNS = [
    r"\bzelf ?(?:moor[dt]|doding|beschadig)",
    r"\bself ?harm",
    r"\bkill(?:ing)? (?:my ?self|me)\b",
    r"\b(?:(?:want|going|have|need) to|wanna|gonna|wish i could|i'd rather|id rather) die\b",
    r"\bbetter off dead\b",
]

# Fixed expressions of wanting to end or not to exist (any person: they are
# about one's own life in the way residents write).
EXPRESSIONS = [
    r"\b(?:een )?eind(?:e)? (?:aan|maken aan) "
    r"(?:me|mij|mezelf|mijn leven|m'n leven|het leven|het|alles)\b",
    r"\b(?:er|het) (?:\w+ ){0,3}(?:een )?eind(?:e)? aan (?:maken|te maken|maak)\b",
    r"\bmaak (?:ik )?(?:er|het) (?:\w+ ){0,3}(?:een )?eind(?:e)? aan\b",
    r"\beind(?:e)? (?:aan|maken aan) alles\b|\beinde? aan alles maken\b",
    r"\b(?:een )?punt (?:achter|aan) (?:het|mijn|m'n) (?:leven|alles)\b|\ber een punt achter zetten\b",
    r"\b(?:mijn|m'n|het) leven (?:te )?(?:beeindigen|stoppen|nemen)\b",
    r"\b(?:het|mijn|m'n) leven (?:zat|moe|beu)\b|\bklaar met (?:het |mijn |m'n )?leven\b",
    r"\b(?:disappear|vanish) (?:for ?ever|for good)\b|\bdone with (?:life|living)\b",
    r"\b(?:tegen|op) een (?:boom|muur|pilaar) (?:\w+ )?(?:rijden|rijd|aan rijden|te rijden|knallen)\b"
    r"|\b(?:rijd|rijden|knal)\b.{0,30}\btegen een (?:boom|muur|pilaar)\b",
    r"\b(?:het )?leven (?:heeft|is) (?:voor mij )?(?:geen zin|zinloos|over|klaar|voorbij)\b",
    r"\b(?:mijn|m'n) leven (?:is )?(?:klaar|over|voorbij)\b",
    r"\bzie het (?:echt |allemaal |gewoon )?(?:niet )?meer zitten\b",
    r"\bhet leven niet meer zien zitten\b",
    r"\b(?:wil|wou|ga) er (?:\w+ ){0,2}niet meer zijn\b|\bals ik er niet meer (?:ben|was|zou zijn)\b",
    r"\b(?:morgen|vannacht|vanavond|straks|binnenkort) ben ik er niet meer\b(?! bij)",
    r"\bniet meer (?:op|in) (?:deze|de) (?:wereld|aarde)\b",
    r"\bverdwijnen voor altijd\b|\bvoor altijd (?:verdwijnen|weg|slapen|inslapen)\b",
    r"\b(?:weg|stappen|stap|gaan|te stappen) uit (?:het|dit|mijn) leven\b",
    r"\buit het leven (?:stappen|stap|gaan|te stappen)\b",
    r"\bstap (?:er ?uit|eruit)\s*$",
    r"\b(?:me|mij|mezelf) (?:van kant|van het leven)\b|\bvan het leven beroven\b",
    r"\b(?:stoppen|ophouden) met leven\b",
    r"\b(?:was|ware|ben) ik (?:maar|toch) (?:dood|nooit geboren)\b",
    r"\bwish i (?:was|were) (?:dead|never born)\b",
    r"\bhoeft (?:voor mij )?(?:echt )?allemaal niet meer\b",
    r"\bik kan (?:het )?(?:echt )?niet meer\s*$",
    r"\bbeter af (?:is |zijn |zou zijn )?zonder (?:mij|me)\b|\bbetter off without me\b",
    r"\bniemand (?:zal|zou|gaat)? ?(?:me|mij) missen\b",
    r"\bniemand mist (?:me|mij)\b|\bnobody would (?:care|miss me)\b",
    r"\b(?:doe|deed) (?:ik )?(?:me|mij|mezelf|mijzelf) (?:pijn|iets aan)\b",
    r"\b(?:me|mij|mezelf|mijzelf) (?:iets )?(?:aan ?doen|aan te doen|pijn (?:doen|te doen))\b",
    r"\bhang\w* (?:me|mij|mezelf|mijzelf) op\b",
    r"\bdenk\w* (?:\w+ ){0,2}aan (?:doodgaan|dood gaan|sterven)\b",
    r"\bik ben in (?:levens)?gevaar\b|\bin danger\b|\bbang voor mijn leven\b|\bfear for my life\b",
    r"\bend(?:ing)? (?:my life|it all|everything|it tonight|it today|it now)\b",
    r"\btake my (?:own )?life\b|\bhurt(?:ing)? my ?self\b",
    r"\b(?:want|wish) (?:it|it all|everything|the pain|all of it) to (?:stop|end)\b",
    r"\b(?:point|reason) (?:of|in|to) (?:living|live|go on|going on)\b",
    r"\bif i (?:died|was dead|were dead|was gone|were gone)\b",
    r"\bafscheid (?:genomen|nemen|neem)\b.{0,60}\b(?:ben ik|ik ben) (?:er niet meer|weg|dood)\b",
]

# A method with the intent to use it ("wil het doen", "dan is het klaar").
_DO_IT = re.compile(r"\b(?:wil|ga|zal|gaat) (?:\w+ )?(?:het|ermee) (?:\w+ )?(?:doen|gebruiken)\b"
                    r"|\bdan is het (?:klaar|over|voorbij|gedaan)\b|\bi will (?:do it|use it|take them)\b")

# Where a method is: into water, under a vehicle, standing at a height.
_INTO_WATER = re.compile(r"\b(?:in|into) (?:de |het |the )?(?:maas|water|kanaal|rivier|river)\b")
_UNDER_A_VEHICLE = re.compile(r"\b(?:onder|voor) (?:een|de|het) "
                              r"(?:auto|bus|trein|vrachtwagen|tram|metro|spoor)\b"
                              r"|\bin front of (?:a|the) (?:train|bus|car|truck)\b")
_AT_HEIGHT = re.compile(r"\b(?:sta|zit|ben|i'm|am) (?:nu |now )?(?:op|on) (?:de|het|the) "
                        r"(?:brug|dak|spoor|rand|bridge|roof|ledge)\b")

# False friends: blanked out before anything else is read.
FALSE_FRIENDS = [
    r"\bdood (?:van|aan) (?:het|de) (?:lachen|honger|dorst|verveling|kou|hitte|warmte|schrik)\b",
    r"\bdood ?(?:moe|op|gewoon|stil|eenvoudig|normaal|leuk|saai|ziek|bang)\b",
    r"\bme (?:dood|een ongeluk|rot) (?:gelachen|geschrokken|verveeld|gezocht|gewerkt)\b",
    r"\bdying (?:of|to) (?:laughter|laughing|hunger|boredom|know|see|meet)\b",
    r"\b(?:is|are|was) killing me\b",
    r"\bwant die\b",  # Dutch "want die hebben" (because they have)
    r"\bspring\w* (?:\w+ )?(?:binnen|langs|bij|in de bres|over|aan)\b",
    r"\b(?:op|in|uit) de (?:bus|trein|tram|metro|fiets)\b",
    r"\bde (?:trein|bus) naar\b",
    r"\b(?:wat een|een flinke|een grote|is een) strop\b",
    r"\bsla (?:mijn|m'n|de|een) (?:\w+ )?(?:bal|slag)\b",
    r"\bdoe (?:me|mij) (?:een )?(?:plezier|lol)\b",
    r"\b(?:in|this|last|next) (?:the )?spring\b",  # the season
]

# Despair without a clear danger: a check-in, not the crisis reply.
CHECK_IN_PATTERNS = {
    "despair": [
        r"\bik ben het (?:allemaal |echt |zo )?zat\b\s*$",
        r"\b(?:alles|het|mijn leven) (?:is|lijkt) (?:zo )?(?:zinloos|hopeloos|uitzichtloos)\b",
        r"\b(?:het )?heeft (?:allemaal )?geen zin meer\b|\bgeen uitweg\b",
        r"\bik wil niet meer\s*$|\bik ben er klaar mee\b|\bik geef het op\b",
        r"\bwhat'?s the point\b|\bno point\b|\bcan'?t go on\b|\bi give up\b",
        r"\bwil (?:alleen nog )?(?:maar )?slapen\b.{0,20}\bnooit\b",
        r"\b(?:niemand|nobody) (?:heeft|needs) (?:me|mij) (?:nodig)?\b|\btot last\b",
    ],
    "near-a-height": [r"\b(?:sta|zit|ben) (?:nu )?bij (?:de|het) (?:brug|spoor|rand)\b"],
    "afraid-of-someone": [
        r"\bbang (?:voor|van) (?:mijn|m'n|hem|haar|die|my|him|her) ?(?:man|vrouw|partner|vriend|vriendin|ex|"
        r"vader|moeder|zoon|dochter|husband|wife|boyfriend|father)?\b",
    ],
}


@dataclass(frozen=True)
class CrisisSignal:
    """What the net found: `level` is CRISIS, CHECK_IN or None; `reasons` names
    the rules that fired ("method:jump+height"), for tests and for review (never
    logged with the text)."""

    level: Optional[str]
    reasons: Tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _lemma_tables() -> tuple:
    """The Dutch and English lemma lookup tables of spacy-lookups-data
    (spacy Tables: keys are hashed, so read them with .get(word))."""
    from spacy.lookups import load_lookups

    tables = []
    for lang in ("nl", "en"):
        try:
            tables.append(load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup"))
        except (ValueError, KeyError, ImportError):  # pragma: no cover - data package missing
            logger.warning("crisis net: no %s lemma table, exact words only", lang)
    return tuple(tables)


@lru_cache(maxsize=4096)
def _concepts_of(word: str) -> FrozenSet[str]:
    """The concepts of one word, by the word itself or its lemma; long lexicon
    words also as the end of a compound ("slaappil" in "slaappillen")."""
    keys = {word, EXTRA_LEMMAS.get(word, word)}
    for table in _lemma_tables():
        lemma = table.get(word)
        if isinstance(lemma, str):
            keys.add(lemma)
    found = set()
    for name, words in CONCEPTS.items():
        for key in keys:
            shortest = 4 if name == "height" else 5  # "spoorbrug"; not "springtouw"
            if key in words or any(len(w) >= shortest and len(key) > len(w) and key.endswith(w)
                                   for w in words):
                found.add(name)
                break
    return frozenset(found)


def _always(norm: str) -> bool:
    if any(re.search(p, norm) for p in ALWAYS_PATTERNS):
        return True
    from rapidfuzz.distance import Levenshtein

    for token in norm.replace("'", " ").split():
        for word in ALWAYS_WORDS:
            if len(token) >= len(word) - 2 and len(word) >= 7:
                slips = 2 if len(word) >= 8 else 1
                if Levenshtein.distance(token[: len(word)], word) <= slips:
                    return True
    return False


def _sentences(text: str) -> List[str]:
    """Normalised sentences, false friends blanked out."""
    out = []
    for part in re.split(r"[.!?;\n]+", text or ""):
        norm = normalise(part)
        for pattern in FALSE_FRIENDS:
            norm = re.sub(pattern, " ~ ", norm)
        norm = re.sub(r"\s+", " ", norm).strip()
        if norm.strip(" ~"):
            out.append(norm)
    return out


def _rules(sentence: str) -> List[Tuple[str, str]]:
    """(level, reason) of every rule that fires on one normalised sentence."""
    fired: List[Tuple[str, str]] = []
    words = [w.strip("'") or w for w in sentence.replace("~", " ").split()]
    found: Set[str] = set()
    for word in words:
        found |= _concepts_of(word)

    def has(*names: str) -> bool:
        return all(n in found for n in names)

    first_person = has("i") or has("me")
    if _always(sentence):
        fired.append((CRISIS, "always"))
    if any(re.search(p, sentence) for p in EXPRESSIONS):
        fired.append((CRISIS, "expression"))
    # wish: want + die; not + live (+ want / more / reason); want + not + wake
    if has("want", "die") and first_person:
        fired.append((CRISIS, "wish:die"))
    if has("not", "live") and (has("want") or has("more") or "reden" in words or "zin" in words
                               or "kan" in words or "point" in words):
        fired.append((CRISIS, "wish:not-live"))
    if has("not", "wake") and (has("want") or "hoop" in words or "hope" in words):
        fired.append((CRISIS, "wish:not-wake"))
    # methods, with the resident as the one at risk
    if first_person:
        if has("jump", "height"):
            fired.append((CRISIS, "method:jump+height"))
        if has("pills") and (has("hoard") or (has("take") and has("amount"))):
            fired.append((CRISIS, "method:pills"))
        if has("overdose"):
            fired.append((CRISIS, "method:overdose"))
        if has("rope") and has("make"):
            fired.append((CRISIS, "method:rope"))
        if has("hang", "myself"):
            fired.append((CRISIS, "method:hang"))
        if has("cut") and (has("wrist") or has("myself")):
            fired.append((CRISIS, "method:cut"))
        if has("drown") or (has("jump") and _INTO_WATER.search(sentence)):
            fired.append((CRISIS, "method:drown"))
        if has("gas", "open") and not has("kitchen"):
            fired.append((CRISIS, "method:gas"))
        if has("hurt", "myself"):
            fired.append((CRISIS, "method:hurt-self"))
        if (has("knife") or has("rope") or has("pills") or has("height")) and _DO_IT.search(sentence) \
                and not has("kitchen"):
            fired.append((CRISIS, "method:with-intent"))
    if first_person and _UNDER_A_VEHICLE.search(sentence):
        fired.append((CRISIS, "method:vehicle"))
    if _AT_HEIGHT.search(sentence):
        fired.append((CRISIS, "place:at-height"))
    # violence against the resident: me/mij as the object, or "ik word ... mishandeld"
    if has("violence") and (has("victim") or (has("i") and has("passive"))):
        fired.append((CRISIS, "violence"))
    for reason, patterns in CHECK_IN_PATTERNS.items():
        if any(re.search(p, sentence) for p in patterns):
            fired.append((CHECK_IN, reason))
    if first_person and not has("routine") and not has("kitchen") and (
            has("pills") or has("knife") or has("rope") or has("jump") or has("overdose")):
        fired.append((CHECK_IN, "method-word"))
    if has("despair"):
        fired.append((CHECK_IN, "despair"))
    if has("die") and first_person and re.search(r"\b(?:denk|wens|hoop|verlang)\w*\b", sentence):
        fired.append((CHECK_IN, "thinks-of-death"))
    return fired


def assess(text: str) -> CrisisSignal:
    """The net's verdict on a message: CRISIS, CHECK_IN or nothing, with the reasons."""
    fired = [rule for sentence in _sentences(text) for rule in _rules(sentence)]
    for level in (CRISIS, CHECK_IN):
        reasons = tuple(dict.fromkeys(r for lv, r in fired if lv == level))
        if reasons:
            return CrisisSignal(level, reasons)
    return CrisisSignal(None)


def is_crisis(text: str) -> bool:
    """True when the message is a clear crisis (the crisis reply, at once)."""
    return assess(text).level == CRISIS


def crisis_level(text: str) -> Optional[str]:
    """For the channel pipeline: CRISIS (give the helplines), CHECK_IN (ask
    kindly first: `check_in_question`), or None."""
    return assess(text).level


def is_idiom(text: str) -> bool:
    """A false friend of a crisis ("ik ga dood van het lachen")."""
    norm = normalise(text)
    return any(re.search(p, norm) for p in FALSE_FRIENDS[:5])


# --- always a way out -------------------------------------------------------
START_OVER_COMMANDS = {
    "naar het menu", "terug naar het menu", "terug naar menu", "terug naar het hoofdmenu",
    "opnieuw", "begin opnieuw", "opnieuw beginnen", "start opnieuw", "opnieuw starten",
    "stop", "stoppen", "stop maar", "stop ermee", "ik wil stoppen",
    "reset", "restart", "start over", "start again", "back to the menu",
}
# "menu" asks what the assistant can do (the intent contract: help); the help
# reply shows the menu as buttons. Inside a form it does not end the form:
# "opnieuw" and "stop" do.
HELP_COMMANDS = {"help", "hulp", "help me", "helpen", "menu", "hoofdmenu", "het menu", "main menu"}
# what the disclosure tells residents to type to reach a person
PERSON_COMMANDS = {"mens", "een mens", "mens graag", "person", "a person", "human"}
PERSON_INTENT = "request_human"


def way_out_intent(text: str) -> Optional[str]:
    """`start_over` for opnieuw/stop/terug naar het menu, `help` for help/menu, `request_human` for
    'mens' (what the disclosure tells residents to type); None otherwise.

    Only a message that is just the command counts ("stop" yes, "stopt de bus
    in Malberg?" no), so these words stay usable inside normal questions.
    """
    norm = normalise(text).strip(" '")
    if norm in START_OVER_COMMANDS:
        return START_OVER_INTENT
    if norm in HELP_COMMANDS:
        return HELP_INTENT
    if norm in PERSON_COMMANDS:
        return PERSON_INTENT
    return None


# --- counting safety events without personal data ---------------------------
SAFETY_EVENT_KINDS = {"crisis", "crisis_keyword", "crisis_check_in", "loneliness", "other_language"}


def record_event(kind: str, var_dir: Path, day: Optional[date] = None) -> None:
    """Count one event per kind and day in var_dir/safety-events.json.

    No text, no sender, no time of day: only {day: {kind: count}}, for review.
    """
    if kind not in SAFETY_EVENT_KINDS:
        raise ValueError(kind)
    key = (day or date.today()).isoformat()
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "safety-events.json"
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        raw = handle.read()
        try:
            counts = json.loads(raw) if raw.strip() else {}
        except ValueError:
            counts = {}
        counts.setdefault(key, {})
        counts[key][kind] = counts[key].get(kind, 0) + 1
        handle.seek(0)
        handle.truncate()
        json.dump(counts, handle, sort_keys=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
    logger.info("safety_event kind=%s", kind)


def event_counts(var_dir: Path) -> Dict[str, Dict[str, int]]:
    path = Path(var_dir) / "safety-events.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8") or "{}")
