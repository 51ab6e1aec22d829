# ruff: noqa: E501
# (the rule table below: its regexes and word sets read better unbroken)
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
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import yaml

from knowledge.textnorm import strip_accents

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
    """Lower case, no accents, letters/digits/spaces only, runs of 3+ letters to 2.

    Not knowledge.textnorm.normalize: the safety net keeps apostrophes ("m'n
    leven") and squeezes stretched letters ("dooood"); only the accents are
    dropped the same way."""
    text = strip_accents(text or "").lower()
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
#   ending     an ending said indirectly ("er een punt achter zetten", "verdwijnen")
#              with for ever, a burden ("het is beter als ik"), affairs in order
#   threat     an acute threat by someone else: armed and there, at the door with a
#              threat word, "dreigt me", an intruder, forcing a way in
#   coercion   forced with men, money or a marriage, or forced and not let out
#   self-harm  cutting with a blade that bleeds; fear of harming one's child
#   (eighth blind set: also "bedreigt ons", "hij maakt mij dood als ...", at the edge + "can't go on")
# Named bridges and waters of Maastricht (NAMED_PLACES) are read as the plain word.
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
    "ingenomen": "innemen", "geslikt": "slikken", "wacht": "wachten", "loop": "lopen",
    "doe": "doen", "gedaan": "doen", "deed": "doen", "kras": "krassen", "brand": "branden",
    "kap": "kappen", "bewerk": "bewerken", "aangedaan": "aandoen",
}

# Chat spelling: a token as residents type it -> the form the rules read
# ("mn leven", "k wil", "wilt", "mzelf"). Applied after normalise(), so accents
# are gone already ("beëindigen" -> "beeindigen").
CHAT_FORMS = {
    "mn": "mijn", "m'n": "mijn", "myn": "mijn", "mijm": "mijn",
    "k": "ik", "'k": "ik", "ikke": "ik", "ic": "ik", "wilt": "wil", "wl": "wil", "wll": "wil",
    "mzelf": "mezelf", "mezelve": "mezelf", "mijzelve": "mezelf", "mnzelf": "mezelf", "mezelfs": "mezelf",
    "nie": "niet", "nt": "niet", "mr": "meer", "t": "het", "'t": "het", "da": "dat",
"zn": "zijn", "z'n": "zijn", "leve": "leven", "lven": "leven", "levn": "leven",
    "neet": "niet", "mie": "meer", "mien": "mijn", "kin": "kan", "gevalle": "gevallen", "borts": "borst",
    "ademe": "ademen", "dage": "dagen", "gegete": "gegeten", "reageerd": "reageert", "reagert": "reageert",
    "gein": "geen", "loch": "lucht", "hae": "hij", "makn": "maken",
    # Limburgish (blind set 11): oet = uit, geit = gaat, steit = staat, kump = komt, heur = haar
    "gestorve": "gestorven", "ligge": "liggen", "oet": "uit", "geit": "gaat", "steit": "staat", "sjteit": "staat", "kump": "komt", "heur": "haar",
    "vd": "van de", "v/d": "van de", "n": "een", "'n": "een", "ff": "even", "vr": "voor", "altyd": "altijd",
}

CONCEPTS: Dict[str, Set[str]] = {
    # the resident: subject, object (reflexive), possessive
    "i": {"ik", "'k", "i", "i'm", "im", "ive", "i've", "i'll", "i'd", "ich"},
    "me": {"me", "mij", "mezelf", "mijzelf", "myself", "mich", "mir", "mijn", "my"},
    "myself": {"mezelf", "mijzelf", "myself", "mich"},
    "victim": {"me", "mij", "mich", "mir"},
    "passive": {"word", "wordt", "werd", "worden", "ben", "was", "am", "get", "got", "zit", "zat"},
    "other": {
        "man", "vrouw", "partner", "vriend", "vriendin", "ex", "vader", "pa", "papa", "moeder",
        "ma", "mama", "zoon", "dochter", "broer", "zus", "stiefvader", "oom", "buurman",
        "hij", "zij", "ze", "iemand", "husband", "wife", "boyfriend", "girlfriend", "he", "she",
        "someone", "father", "dad", "mother", "son", "brother", "kleinzoon", "kleindochter",
        "schoonzoon", "schoondochter", "verzorger", "mantelzorger", "grandson", "daughter", "carer",
        "tante", "neef", "nicht", "opa", "oma", "schoonvader", "schoonmoeder", "stiefmoeder", "ouders",
        "familie", "uncle", "aunt", "parents", "family",
    },
    "home": {"thuis", "huis", "home"},
    # wishes
    "want": {"willen", "want", "hopen", "liever", "liefst", "beter", "wish", "rather"},
    "die": {"dood", "doodgaan", "sterven", "overlijden", "dead", "sterben", "doodrijden", "doodspringen",
            "doodhongeren", "doodbloeden", "doodvriezen"},
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
        "groeve", "galerij", "reling", "balustrade", "balcony", "tower", "parking", "jeker",
    },
    "pills": {
        "pil", "medicijn", "medicatie", "slaappil", "paracetamol", "oxazepam",
        "pillen", "tabletten", "medicijnen", "pills", "pill", "tablets", "meds", "medication",
    },
    "take": {"slikken", "innemen", "nemen", "opmaken", "take", "swallow", "took", "taken"},
    "hoard": {"sparen", "opsparen", "verzamelen", "bewaren", "save", "collect", "hoard", "stockpile"},
    "amount": {"alle", "al", "allemaal", "veel", "teveel", "hele", "heel", "strip", "doos", "pot",
               "handvol", "all", "lot", "whole", "bunch", "many", "much"},
    "routine": {"dokter", "huisarts", "apotheek", "ophalen", "recept", "altijd", "elke", "iedere",
                "glas", "vergeten", "bijwerking", "doctor", "pharmacy", "prescription", "every",
                "mag", "mogen", "weekdoos", "medicijndoos", "baxter", "baxterrol", "pillendoos", "vakantie"},
    "cut": {"snijden", "opensnijden", "kerven", "krassen", "cut", "slash"},
    "wrist": {"pols", "arm", "armen", "wrist", "wrists"},
    "knife": {"mes", "scheermes", "scheermesje", "knife", "blade", "razor", "zakmes", "keukenmes",
              "vlindermes", "stiletto", "messen", "vleesmes", "broodmes", "koksmes", "steekmes"},
    # what someone else can threaten the resident with (besides a knife or a gun)
    "weapon": {"hamer", "bijl", "knuppel", "honkbalknuppel", "machete", "koevoet", "axe", "hammer", "bat"},
    # someone at the door or in the house, now: where an acute threat is
    "presence": {"staan", "staat", "stond", "komen", "komt", "kwam", "lopen", "loopt", "zwaaien", "dreigen",
                 "deur", "voordeur", "achterdeur", "tuin", "gang", "trap", "portiek", "huis", "kamer",
                 "binnen", "achter", "outside", "door", "house", "here", "hier", "nu", "now", "coming"},
    # what makes a visitor at the door a threat
    "threat": {"bonken", "bonzen", "bonkt", "trappen", "intrappen", "inslaan", "inbreken", "schreeuwen",
               "dreigen", "bang", "durven", "straatverbod", "contactverbod", "agressief", "dronken",
               "woedend", "tieren", "razend", "banging", "kick", "scream", "screaming", "afraid", "scared",
               "threaten", "threatening", "drunk", "stalkt", "stalken", "stalker", "achtervolgt",
               "achtervolgen", "stalking", "stalks", "volgt", "volgen", "following",
               "bedreigen", "bedreigt", "bedreigde"},
    # a knife or a tool that is harmless here: a gift, a hobby, a film, a job in the house
    "harmless": {"scouting", "cadeau", "gekregen", "verjaardag", "jacht", "jager", "vereniging", "film",
                 "serie", "boek", "nieuws", "krant", "spel", "game", "movie", "repareren", "timmeren",
                 "klussen", "spijker", "schutting", "ladder", "dakgoot", "schillen", "slijpen",
                 "museum", "toneel", "verzamelen", "verzameling", "oorlog", "toegestaan", "vergunning",
                 "verzamelaar", "erfenis", "antiek", "koken", "slager",
                 "knutselen", "snoeien", "scheren", "geschoren", "ongeluk", "kookles", "kookcursus",
                 "kunstles", "beeldhouwen", "verhaal", "verhalen", "oorlogsverhalen"},
    "kitchen": {"kookclub", "kookcursus", "kookles", "kookworkshop", "kookavond", "kookcafe", "ui", "brood", "groente", "keuken", "recept", "koken", "snijplank", "vlees", "fornuis",
                "kookplaat", "appel", "appels", "fruit", "vork", "tafel", "eten", "schillen",
                "aardappel", "taart", "kaas", "cooking", "bread", "kitchen", "pan", "soep"},
    "hang": {"ophangen", "verhangen", "hangen", "hang"},
    "rope": {"strop", "touw", "rope", "noose"},
    "make": {"maken", "kopen", "halen", "klaarleggen", "hebben", "knopen", "make", "buy", "bought",
             "made", "tie", "tied", "have", "gekocht", "gemaakt", "gehaald"},
    # a rope ready to use, whoever says it ("het touw ligt klaar op zolder")
    "ready": {"klaar", "klaarliggen", "klaarhangen", "hangt", "balk", "zolder", "plafond", "haak",
              "vastmaken", "vastgemaakt", "ready"},
    "drown": {"verdrinken", "drown"},
    "gas": {"gas", "gaskraan", "gasfles"},
    "open": {"opendraaien", "openzetten", "aanzetten", "aandraaien", "open", "openlaten"},
    "hurt": {"aandoen", "doden", "doodmaken", "vergiftigen", "verwonden", "beschadigen",
             "kill", "hurt", "harm"},
    "overdose": {"overdosis", "overdose", "od"},
    # violence against the resident
    "violence": {
        "slaan", "schoppen", "mishandelen", "bedreigen", "vermoorden", "doodmaken", "doodslaan",
        "wurgen", "opsluiten", "verkrachten", "steken", "aanvallen", "hit", "beat", "kick",
        "abuse", "threaten", "strangle", "rape", "stab", "hurt", "kill", "vermoordt",
        "duwen", "knijpen", "trappen", "stompen", "push", "shove", "lock", "choke", "punch",
    },
    # self-harm verbs with mezelf/myself ("ik bewerk mezelf", "ik kras mezelf")
    "self_harm": {"snijden", "krassen", "kras", "krast", "bewerken", "branden", "verwonden",
                  "beschadigen", "slaan", "schieten", "burn", "scratch"},
    # an everyday accident, not self-harm ("per ongeluk gesneden", "gevallen")
    "accident": {"ongeluk", "vallen", "gevallen", "struikelen", "gestruikeld", "gestoten", "trap",
                 "accident", "fell", "fall"},
    # a rope for the household, not for hanging
    "household": {"waslijn", "was", "vlag", "vlaggenmast", "tent", "boot", "verhuizing", "pakket",
                  "clothesline", "washing"},
    "leisure": {"zwembad", "duikplank", "springkussen", "trampoline", "sloot", "touwtje", "paard",
                "parachute", "bungee", "pool", "zwemmen", "sprong", "hoogspringen", "verspringen",
                "pootjebaden", "zwemfestijn", "kano", "varen", "vissen", "hengel", "spetteren", "swim"},
    "track": {"spoor", "rails", "spoorlijn", "spoorbaan", "tracks", "railway"},
    "wait": {"wachten", "wacht", "wachtte", "liggen", "wait", "waiting", "lie"},
    "alcohol": {"drank", "alcohol", "wijn", "wodka", "whisky", "jenever", "bier", "drink", "booze",
                "fles", "drinken"},
    "gun": {"pistool", "wapen", "geweer", "revolver", "gun"},
    "throat": {"keel", "hals", "hoofd", "kop", "hart", "throat", "head"},
    "money": {"geld", "pinpas", "bankpas", "pensioen", "uitkering", "money", "card", "pension"},
    "despair": {"zinloos", "hopeloos", "uitzichtloos", "waardeloos", "hopeless", "pointless",
                "worthless", "opgeven"},
}

# Concepts read as whole words only, never as the end of a compound ("toegestaan"
# is not "staan", "bestaan" not a visitor standing there).
WHOLE_WORDS_ONLY = frozenset({"presence", "threat", "harmless", "leisure"})

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
    r"\b(?:bring|bringe) mich (?:\w+ )?um\b|\bmich (?:\w+ )?umbringen\b|\bumbringen will\b",
]

# The end of a clause: the end of the sentence or a comma (" | ", _sentences).
END = r"\s*(?:\||$)"
# Long words the rules read besides the CONCEPTS, for the one-slip match.
FUZZY_WORDS = ("beeindigen", "afscheidsbrief", "afscheidsbericht", "ophangen", "verhangen",
               "levensmoe", "zelfdoding", "mishandelen", "mishandeld", "slaappillen", "geslagen",
               "opgesloten", "bedreigd", "overdosis")

# Fixed expressions of wanting to end or not to exist (any person: they are
# about one's own life in the way residents write).
EXPRESSIONS = [
    r"\b(?:een )?eind(?:e)? (?:aan|maken aan) "
    r"(?:me|mij|mezelf|mijn leven|m'n leven|het leven|het|alles|mijn dagen|mijn bestaan)\b",
    r"\b(?:er|het) (?:\w+ ){0,3}(?:een )?eind(?:e)? aan (?:maken|te maken|maak)\b",
    r"\bmaak (?:ik )?(?:er|het) (?:\w+ ){0,3}(?:een )?eind(?:e)? aan\b",
    r"\beind(?:e)? (?:aan|maken aan) alles\b|\beinde? aan alles maken\b",
    r"\b(?:een )?punt (?:achter|aan) (?:het|mijn|m'n) (?:leven|alles)\b|\ber een punt achter zetten\b",
    r"\b(?:mijn|het|dit) leven (?:\w+ ){0,2}(?:te )?(?:beeindigen|beeindig|beeindigd|stoppen|nemen)\b",
    r"\b(?:beeindigen|beeindig) (?:van )?(?:mijn|het|dit) leven\b",
    r"\b(?:het|mijn|m'n) leven (?:zat|moe|beu)\b|\bklaar met (?:het |mijn |m'n )?leven\b",
    r"\b(?:disappear|vanish) (?:for ?ever|for good)\b|\bdone with (?:life|living)\b",
    r"\b(?:tegen|op) een (?:boom|muur|pilaar) (?:\w+ )?(?:rijden|rijd|aan rijden|te rijden|knallen)\b"
    r"|\b(?:rijd|rijden|knal)\b.{0,30}\btegen een (?:boom|muur|pilaar)\b",
    r"\b(?:het )?leven (?:heeft|is) (?:voor mij )?(?:geen zin|zinloos|over|klaar|voorbij)\b(?! (?:de|het"
    r"|mijn) \w+| \d)",
    r"\b(?:mijn|m'n) leven (?:is )?(?:klaar|over|voorbij)\b(?! (?:de|het|mijn) \w+| \d)",
    r"\bzie het (?:echt |allemaal |gewoon )?(?:niet )?meer zitten\b",
    r"\bhet leven niet meer zien zitten\b",
    r"\b(?:wil|wou|ga) er (?:\w+ ){0,2}niet meer zijn\b|\bals ik er niet meer (?:ben|was|zou zijn)\b",
    r"\b(?:morgen|vannacht|vanavond|straks|binnenkort) ben ik er niet meer\b(?! bij)",
    r"\bniet meer (?:op|in) (?:deze|de) (?:wereld|aarde)\b",
    r"\b(?:verdwijnen|slapen|inslapen) voor (?:altijd|eeuwig|goed)\b"
    r"|\bvoor altijd (?:verdwijnen|weg|slapen|inslapen)\b",
    r"\b(?:weg|stappen|stap|gaan|te stappen) uit (?:het|dit|mijn) leven\b",
    r"\buit het leven (?:stappen|stap|gaan|te stappen)\b",
    # euphemisms of ending one's life: "stap ik eruit", "ik kap ermee, voorgoed"
    r"\bstap (?:\w+ ){0,3}(?:er ?uit)" + END,
    r"\bstap (?:\w+ ){0,2}er (?:(?:definitief|voorgoed|gewoon|echt|nu|vannacht|vanavond|morgen|straks|dan"
    r"|maar|zo|ook) )+uit" + END,
    r"\b(?:er ?uit|uit het leven) (?:te )?stappen" + END,
    r"\b(?:stop|kap|stoppen|kappen|ophouden) (?:\w+ ){0,2}(?:er ?mee|met alles|met leven|met het leven)"
    r" (?:[\w|]+ ){0,2}(?:voorgoed|voor altijd|voor goed|definitief)\b",
    r"\b(?:stop|kap|stoppen|kappen) (?:ik |(?:ermee|er mee)(?: \|)? )?met (?:alles|leven|het leven)" + END,
    r"\b(?:zet|zetten|zette) (?:ik )?er (?:\w+ ){0,2}een punt achter" + END,
    r"\ber (?:\w+ ){0,2}een punt achter (?:te )?(?:zetten|zet)" + END,
    r"\bvan kant (?:te )?(?:maken|maak)\b|\bmaak (?:ik )?(?:me|mij|mezelf) (?:\w+ ){0,2}van kant\b",
    r"\blevensmoe\b|\bklaar met (?:alles en iedereen|het bestaan|mijn bestaan)\b",
    r"\b(?:nooit|niet) meer (?:\w+ )?wakker (?:te )?(?:worden|word|werd|wordt)\b(?! van)",
    r"\b(?:word|worden|wordt) (?:ik )?nooit meer wakker\b(?! van)|\ben (?:ik )?word niet meer wakker" + END,
    r"\bafscheid (?:\w+ ){0,3}van (?:iedereen|jullie allemaal|het leven|de wereld|dit leven)\b"
    r"|\bafscheidsbericht\b",
    r"\bben ik er (?:\w+ )?niet meer\b(?! bij)"
    r"|\bik ben er (?:morgen|vannacht|vanavond|straks|binnenkort|dan|snel|zo) niet meer\b(?! bij)",
    r"\b(?:bang|angst) (?:dat|om) (?:ik )?(?:\w+ ){0,2}iets (?:doms|stoms|ergs) "
    r"(?:\w+ ){0,2}(?:doe|doen|ga)\b",
    r"\b(?:me|mij|mezelf) (?:van kant|van het leven)\b|\bvan het leven beroven\b",
    r"\b(?:stoppen|ophouden) met leven\b",
    r"\b(?:was|ware|ben) ik (?:maar|toch) (?:dood|nooit geboren)\b",
    r"\bwish i (?:was|were) (?:dead|never born)\b",
    r"\bhoeft (?:voor mij )?(?:echt )?allemaal niet meer\b",
    r"\b(?:ik|ich) (?:kan|kin) (?:het )?(?:echt )?niet meer" + END,
    r"\bbrief\w* (?:\w+ ){0,6}(?:als|wanneer) ik (?:weg|dood|er niet meer) (?:ben|zou zijn|ga)\b",
    r"\b(?:ga|spring|stap|val)\w* (?:\w+ ){0,2}(?:van|off) (?:de|het|the) "
    r"(?:brug|dak|flat|balkon|toren|parkeergarage|bridge|roof)\b(?! (?:naar|af|richting|tot|en))",
    r"\bvan alles (?:en iedereen )?(?:af|vanaf) (?:zijn|te zijn)\b",
    r"\bbeter af (?:is |zijn |zou zijn )?zonder (?:mij|me)\b|\bbetter off without me\b",
    r"\bniemand (?:zal|zou|gaat)? ?(?:me|mij) missen\b",
    r"\bniemand mist (?:me|mij)\b|\bnobody would (?:care|miss me)\b",
    r"\b(?:no one|nobody|noone) (?:will|would|is going to) miss me\b",
    r"\bslapen\b.{0,30}\b(?:nooit|niet) meer (?:op ?staan|opstaan|op te staan|ontwaken|wakker)\b",
    r"\b(?:wanna|want to|gonna|going to|i will|i'll|ik ga|ik wil) kms\b",
    r"\b(?:zien|horen|spreken) (?:jullie|je|u|ze|julie) (?:me|mij) (?:\w+ )?(?:niet|nooit) meer\b",
    r"\bafscheid(?:sbrief|sbericht|sbrieven)? (?:\w+ ){0,2}(?:geschreven|schrijven|klaar ligt|klaar)\b",
    r"\beinde\b.{0,40}\b(?:er )?zelf (?:\w+ )?(?:voor )?(?:zorgen|doen)\b",
    r"\buit (?:het|dit|mijn) leven(?= *(?:\||$)| (?:willen|gaan|stappen|weg)\b)",
    r"\b(?:doe|deed) (?:ik )?(?:me|mij|mezelf|mijzelf) (?:pijn|iets aan)\b",
    r"\b(?:me|mij|mezelf|mijzelf) (?:iets )?(?:aan ?doen|aan te doen|pijn (?:doen|te doen))\b",
    r"\b(?:me|mij|mezelf|mijzelf) (?:iets |wat |kwaad |een ongeluk )?aan (?:\w+ )?(?:doen|te doen)\b",
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
# Going to a height, the water or the track with the means to fall: "ik loop naar
# de Maas en laat me erin vallen", "ik ga de Maas in".
_GO_TO = re.compile(r"\b(?:loop|lopen|liep|ga|gaan|ging|fiets|rijd|wandel)\w* "
                    r"(?:\w+ ){0,3}naar (?:de|het|the) \w+")
_INTO_IT = re.compile(r"\b(?:erin|eraf|erop|eronder|erover|er in|er af|er onder)\b"
                      r"|\blaat (?:ik )?(?:me|mij|mezelf) (?:\w+ ){0,2}vallen\b")
_WALK_INTO_WATER = re.compile(r"\b(?:loop|lopen|ga|gaan|wandel|wandelen|stap|stappen|rijd|rij|reed|rijden|fiets"
                              r"|fietsen"
                              r"|spring|springen|duik|duiken|val|vallen) (?:\w+ ){0,4}"
                              r"(?:de maas|het water|het kanaal|de rivier|de kanaal|the river|the water"
                              r"|the canal) in\b"
                              r"(?!(?: \w+){0,5} (?:pootje\w*|zwemmen|varen|kano\w*|boot|vissen|spelen"
                              r"|spetteren)\b)")
# Coercion at home: not allowed out, locked in, money taken.
_NOT_ALLOWED_OUT = re.compile(r"\b(?:mag|mogen|mocht) (?:\w+ ){0,4}niet (?:meer )?(?:\w+ )?"
                              r"(?:naar buiten|de deur uit|weg|bellen|alleen weg|buiten)\b"
                              r"|\b(?:not allowed|never allowed) to (?:go out|leave|go outside|call)\b")
_NOT_LET_OUT = re.compile(r"\blaat (?:me|mij) (?:\w+ ){0,3}niet (?:meer )?(?:\w+ )?"
                          r"(?:naar buiten|de deur uit|weg|buiten|gaan|los)\b|\bdoesn'?t let me (?:go out"
                          r"|leave|go)\b"
                          r"|\bhoudt (?:me|mij) (?:\w+ )?vast\b.{0,30}\b(?:kan|mag) (?:\w+ )?niet (?:weg"
                          r"|los)\b")
_LOCKED_IN = re.compile(r"\bsluit\w* (?:me|mij) (?:\w+ ){0,3}op\b|\blocks? me (?:in|up)\b")
_TAKES_MONEY = re.compile(r"\b(?:pakt|pakken|pakte|neemt|nam|afpakken|afgepakt) (?:\w+ ){0,3}"
                          r"(?:geld|pinpas|bankpas|pensioen|uitkering|telefoon|mobiel|sleutels?)"
                          r"(?: \w+){0,3} af\b"
                          r"|\b(?:geld|pinpas|bankpas|pensioen|telefoon|sleutels?|mobiel"
                          r"|paspoort) (?:\w+ ){0,3}"
                          r"(?:afgepakt|afpakken|af)\b"
                          r"|\b(?:takes|took|steals|stole) my (?:money|pension|card|bank card)\b")
# the eighth blind set: coercion into sex work or a marriage, a blade that bleeds,
# standing at the track or a height and not going on, fear of harming a child,
# a death threat said as "hij maakt mij dood (als ...)".
_FORCES_ME = re.compile(r"\b(?:dwingt|dwingen|dwong|dwongen|forceert|forces|forced|force|makes|made) "
                        r"(?:\w+ ){0,2}(?:me|mij)\b|\b(?:word|werd|ben|worden|am|was|get) (?:\w+ ){0,3}"
                        r"(?:gedwongen|forced)\b|\bik moet van (?:hem|haar|hen|ze|mijn \w+) (?:\w+ ){0,4}"
                        r"(?:met mannen|met klanten|seks|mee naar)")
_EXPLOITED = re.compile(r"\b(?:mannen|klanten|seks|sex|prostitutie|prostitueren|tippelen|raam|werken zonder"
                        r"|dealen|drugs|trouwen|huwelijk|uithuwelijken|men|clients|marry|naakt|foto's|filmpjes"
                        r"|voor geld|for money|geld verdienen)\b")
_SOLD = re.compile(r"\b(?:verkoopt|verkocht|verkopen|verhuurt|verhuurde|sells|sold) (?:\w+ ){0,2}(?:me|mij)\b"
                   r"|\blaat (?:me|mij) (?:\w+ ){0,4}met (?:mannen|klanten)\b"
                   r"|\bmakes me (?:\w+ ){0,3}(?:men|clients)\b")
_SEX_WORK = re.compile(r"\b(?:mannen|klanten|seks|sex|prostitutie|men|clients)\b")
_RAZOR = re.compile(r"\b(?:scheermesje|scheermesjes|mesje|mesjes|razor|razors|blade|blades)\b")
_AGAIN_ON_ME = re.compile(r"\b(?:weer|opnieuw|gedaan|mezelf|arm|armen|pols|polsen|again|myself|wrist)\b")
_BLEEDS = re.compile(r"\b(?:bloedt|bloeden|bloedde|bloed|bloedend|te diep|diep gesneden|diepe|hechtingen"
                     r"|hechten|gehecht|littekens|wondjes|helpt (?:even|me|mij|wel)|opluchting|bleeding"
                     r"|bleeds|blood|too deep|helps)\b")
_CUTTING = re.compile(r"\b(?:krassen|kras|krast|kraste|gekrast|gekerfd|snijden|snij|snijd|sneed|gesneden"
                      r"|kerven|kerf|cutting|cut|scratching)\b")
_BLADE = re.compile(r"\b(?:scheermesje|scheermesjes|scheermes|mesje|mesjes|mes|glas|glasscherf|scherf|schaar"
                    r"|(?:vlees|brood|keuken|zak|koks|vlinder|steek|jacht)mes(?:sen)?"
                    r"|stanleymes|blade|razor|razors|knife)\b")
_BLADE_HARMLESS = re.compile(r"\b(?:per ongeluk|ongeluk|scheren|geschoren|benen|baard|koken|groente|ui|uien"
                             r"|aardappel\w*|brood|vinger|duim|knutsel\w*|papier|karton|hout|tuin|snoeien"
                             r"|accident|shaving|bloemen|stof|hond|kat|neus|drogist|winkel|kopen|koop|huid)\b")
_AT_THE_EDGE = re.compile(r"\b(?:standing|sitting|i'm|im|i am|sta|zit|ben|staan) (?:\w+ ){0,3}"
                          r"(?:next to|by|on|at|near|beside|naast|bij|op|langs|aan) (?:the |de |het )?"
                          r"(?:\w+ )?(?:railway|railways"
                          r"|tracks|track|rails|spoor|spoorlijn|bridge|brug|roof|dak|edge|rand|river|maas|water"
                          r"|kanaal|platform|perron|reling|balkon|balcony)\b")
_CANT_GO_ON = re.compile(r"\b(?:can't|cant|cannot|can not) (?:do this|do it|go on|take (?:it|this)|cope)"
                         r"(?: \w+){0,2}"
                         r"|\b(?:kan|kun) (?:het |dit )?(?:echt |gewoon )?niet meer(?= *(?:\||$))"
                         r"|\bhoudt? (?:het |dit )?niet meer vol\b"
                         r"|\b(?:ik )?wil niet meer(?= *(?:\||$))"
                         r"|\bno way out\b|\bgeen uitweg\b")
_HARM_A_CHILD = re.compile(r"\b(?:bang|angst)\b (?:\w+ ){0,4}ik (?:\w+ ){0,2}"
                           r"(?:hem|haar|het|ze|hen|m|(?:de|mijn|onze|ons) \w+)\b (?:\w+ ){0,2}"
                           r"(?:iets (?:ga |zal )?aan ?(?:doe|doen|te doen)|pijn (?:doe|doen|ga doen)"
                           r"|iets ergs"
                           r"|door elkaar schud|sla|slaan|stik|verstik)\b"
                           r"|\b(?:afraid|scared|terrified)\b (?:\w+ ){0,3}(?:i|i'm|i'll|im) (?:\w+ ){0,3}"
                           r"(?:hurt|harm|shake|smother) (?:my|the|him|her|it|them)\b")
_CHILD_CARE = re.compile(r"\b(?:splinter|nagels|knippen|prik|vaccin\w*|haren|kammen|tandarts|luier"
                         r"|verschonen"
                         r"|wakker|nagel\w*|nails|injection|vallen|laten vallen|drop)\b")
_KILLS_ME = re.compile(r"(?:\b(?:maakt|maken|maak|gaat maken|maakte|slaat|sla|steekt) (?:\w+ ){0,2}"
                       r"(?:me|mij|ons|je|jou) (?:\w+ ){0,2}(?:dood|kapot|af)\b"
                       r"|\b(?:me|mij|ons) (?:dood|kapot|af) ?(?:maakt|maken|slaat|steekt|maak)\b)"
                       r"(?: \|)?(?! van)(?:.{0,40}\b(?:als|wanneer|if)\b)?")
_HOUSE_NOT_OUT = re.compile(r"\b(?:mag|mogen|mocht) (?:\w+ ){0,2}(?:het huis|de deur|de flat|mijn kamer) niet"
                            r" (?:meer )?uit\b")
# a murder game or a play: "bij weerwolven werd ik vermoord"
_MURDER_GAME = re.compile(r"\b(?:weerwol\w*|moordspel\w*|moord ?myster\w*|murder myster\w*|cluedo|wie is de mol"
                          r"|toneel\w*|rollenspel\w*|escape ?room|in het spel|in de film|in de game|in het boek"
                          r"|in de serie)\b")
_WAVES_AT_US = re.compile(r"\bzwaai\w* (?:\w+ ){0,7}(?:naar|tegen|voor) (?:ons|mij|me)\b")
_THREATENS_US = re.compile(r"\b(?:dreig|bedreig)\w* (?:ons|mijn (?:moeder|vader|zus|broer|kinderen|kind|vrouw"
                           r"|man|oma|opa|gezin)|de kinderen|us|my (?:family|kids|mother|father))\b")
_BRUISES = re.compile(r"\bblauwe plekken\b|\bbruises?\b")
_AT_HEIGHT = re.compile(r"\b(?:sta|zit|ben|i'm|am) (?:nu |now |hier |here )?(?:boven ?op|op|on) (?:de|het"
                        r"|the) "
                        r"(?:brug|dak|spoor|bridge|roof|ledge|rand(?= *(?:\||$)| van (?:de|het|mijn"
                        r"|een) (?:\w+ )?"
                        r"(?:dak|brug|flat|balkon|parkeergarage|galerij|toren|spoor|perron|kade|groeve)))\b"
                        r"(?! en (?:zie|geniet|maak|wacht|zwaai)\b)"
                        r"(?!(?: \w+){0,3} (?:te wachten|wachten op|foto|vuurwerk|met (?:mijn|m'n|de|een) "
                        r"(?:vriend\w*|man|vrouw|klein\w*|kinderen|fiets|hond)))")

# Named bridges, waters and heights in and around Maastricht, ONLY to recognise a
# method with a place ("ik ga van de Sint Servaasbrug af"): each name is read as
# the plain word (brug, rivier, kanaal, groeve) before the rules. Written from
# general knowledge, NOT from a source and not a fact claim: nothing about these
# places is ever said to a resident, and a missing or wrong name costs only
# recognition (any word ending in -brug is read as "brug" anyway).
NAMED_PLACES = [
    (r"\b(?:(?:sint|st|saint) )?servaas ?(?:brug|bridge)\b", "brug"),
    (r"\bwilhelmina ?(?:brug|bridge)\b", "brug"),
    (r"\b(?:hoge|hooge|hoeg) (?:brug|brok|bruk)\b|\bhoeg ?brok\b", "brug"),
    (r"\b(?:(?:john )?(?:f )?kennedy|jfk) ?(?:brug|bridge)\b", "brug"),
    (r"\bnoorder ?(?:brug|bridge)\b", "brug"),
    (r"\b(?!ezels)\w{2,}brug\b", "brug"),  # spoorbrug, maasbrug, voetgangersbrug
    (r"\b(?:de )?jeker\b", "de rivier"),
    (r"\b(?:het )?(?:juliana ?kanaal|albert ?kanaal|zuid ?willemsvaart|kanaal bosscheveld)\b", "het kanaal"),
    (r"\b(?:de )?(?:sint )?pietersberg\b|\b(?:de )?enci ?(?:groeve)?\b", "de groeve"),
]

# A height to fall from, and falling from it: "ik ga van de brug af", "vannacht
# spring ik van de Wilhelminabrug", "dat ik van het balkon van mijn flat stap".
# Not "ik ga van de brug af richting Wyck" (a way) nor "van de trein af" (no height).
_HEIGHT = r"(?:brug|dak|flat|flatgebouw|balkon|toren|parkeergarage|galerij|groeve|rots|klif|bridge|roof|" \
          r"building|balcony|tower|cliff|ledge)"
_FALL_TAIL = (r"(?=\s*(?:\||$)|\s(?:vanavond|vannacht|morgen|straks|vandaag|nu|zo|tonight|today|now"
              r"|voor altijd|voorgoed|springen|te springen|spring|gooien|storten|vallen|te vallen|stappen"
              r"|te stappen|en dan is)\b)")
_OFF_A_HEIGHT = re.compile(
    r"\b(?:ga|gaan|ging|spring|springen|sprong|stap|stappen|val|vallen|gooi|gooien|laat|laten|stort|storten"
    r"|duik|duiken|go|going|jump|jumping|step|throw|fall)\b (?:\w+ ){0,3}"
    r"(?:van|vanaf|vanop|off|from) (?:(?:de|het|the|mijn|m'n|my|een|a) )?(?:\w+ ){0,2}" + _HEIGHT
    + r"(?: (?:van|of) (?:de|het|mijn|m'n|the|my) \w+)?(?: af| eraf| naar beneden| down)?" + _FALL_TAIL
    + r"|\bik (?:\w+ ){0,3}(?:van|vanaf) (?:(?:de|het|mijn|m'n|een) )?(?:\w+ ){0,2}" + _HEIGHT
    + r"(?: van (?:de|het|mijn|m'n) \w+)?(?:(?: af| eraf| naar beneden)? (?:\w+ )?(?:spring|springen|val"
      r"|vallen"
    r"|gooi|stort|storten|duik)| (?:stap|stappen))" + _FALL_TAIL)
# Over the railing of a height: "ik klim over de reling van de brug".
_OVER_THE_RAILING = re.compile(r"\b(?:klim|klimmen|klom|kruip|stap|ga|climb|climbing|go)\w* (?:\w+ ){0,3}"
                               r"over (?:de|het|the) (?:reling|leuning|balustrade|railing|rand|hek|fence"
                               r"|edge)\b"
                               r"|\b(?:klim|klimmen|klom|climb|climbing)\w* (?:\w+ )?(?:eroverheen"
                               r"|er overheen|erover"
                               r"|er over|over it|over)" + END)
# Pills laid out ("al mijn pillen klaargelegd voor vanavond").
_LAID_OUT = re.compile(r"\bklaar ?(?:gelegd|gezet|leggen|zetten|liggen)\b|\bliggen (?:\w+ )?klaar\b"
                       r"|\blaid out\b|\b(?:apart|opzij) ?(?:gelegd|gezet|gehouden|leggen|houden)\b|\bput aside\b")
# Sitting or lying down on the track ("ik ga op de rails zitten"); not "spoor 3" at the station.
_ON_THE_TRACK = re.compile(r"\bop (?:de|het) (?:rails|spoor|spoorlijn|spoorbaan)\b(?! \d)(?: \w+){0,3} "
                           r"(?:zitten|staan|liggen|lopen|zit|sta|lig)\b|\bon the (?:tracks|railway)\b")
# Someone who should not be there: "er is iemand in mijn huis die ik niet ken", a burglar now.
_INTRUDER = re.compile(r"\b(?:er is|er staat|er zit|er loopt|there is|there's) (?:iemand|een man"
                       r"|een vreemde|vreemden"
                       r"|someone|a man|a stranger) (?:\w+ ){0,3}(?:in|bij|binnen|inside) (?:mijn |m'n "
                       r"|ons |my )?"
                       r"(?:huis|woning|kamer|tuin|house|flat|appartement|home)\b.{0,40}"
                       r"\b(?:bang|niet ken|ken ik niet|vreemd|afraid|scared|don'?t know)\b"
                       r"|\b(?:er )?(?:wordt|word) (?:\w+ )?(?:nu )?(?:bij (?:me|mij) )?ingebroken\b"
                       r"|\b(?:inbreker|inbrekers) (?:\w+ ){0,3}(?:in|bij|binnen)\b|\bbreaking in\b"
                       r"|\bburglar in\b")
# One's last message ("dit is mijn laatste bericht aan jullie"), not "voor vandaag".
_LAST_MESSAGE = re.compile(r"\blaatste keer dat (?:jullie|je|u|iemand|iedereen"
                           r"|ze) (?:\w+ ){0,2}(?:van (?:mij|me) "
                           r"(?:hoort|horen|hoorde)|(?:mij|me) (?:ziet|zien|spreekt|spreken))\b"
                           r"|\b(?:jullie|je|u|niemand) (?:\w+ )?(?:hoort|horen"
                           r"|hoor) (?:\w+ )?nooit meer (?:iets )?"
                           r"van (?:mij|me)\b"
                           r"|\bnever hear from me again\b|\b(?:zijn|ben|bent) (?:jullie|je|u|ze|iedereen) "
                           r"(?:\w+ )?(?:eindelijk |straks |dan |voorgoed )?van (?:mij|me) af\b"
                           r"|\b(?:mijn|het|dit is (?:mijn|het)) laatste (?:bericht|berichtje|woorden|appje)"
                           r"(?= *(?:\||$)| aan (?:jullie|iedereen|de wereld|u|mijn \w+| ooit))"
                           r"|\bmy last (?:message|words)(?= *(?:\||$)| to (?:you|everyone))")
# Nobody has to worry about me any more: a check-in; with a time ("na vandaag") a crisis.
_NO_MORE_WORRY = re.compile(r"\b(?:(?:niemand|jullie|je|u) (?:hoeft|hoeven|zal|zullen|moet)"
                            r"|(?:hoeft|hoeven|zal|zullen|moet) (?:niemand|jullie|je|u)) (?:zich |je "
                            r"|zich nu )?"
                            r"(?:\w+ ){0,2}(?:meer|nog) (?:\w+ ){0,2}zorgen (?:\w+ )?(?:om|over) (?:mij|me)\b"
                            r"|\bno one (?:has|needs) to worry about me\b")
_FROM_NOW = re.compile(r"\bna (?:vandaag|vannacht|vanavond|morgen|deze nacht)\b|\bvanaf morgen\b"
                       r"|\b(?:straks|binnenkort|after tonight|after today)\b")
_NO_RETURN = re.compile(r"\b(?:kom|komen|keer|kom ik) (?:\w+ )?(?:nooit|niet) meer terug\b"
                        r"|\bnever come back\b")
# A height and then it is over ("vanaf de tiende verdieping is het snel voorbij"), or
# going off it ("... bij de Hoge Brug en dan ga ik eraf").
_REAL_HEIGHT = re.compile(r"\b" + _HEIGHT + r"\b|\bverdieping\b")
_THEN_OVER = re.compile(r"\b(?:is|zijn) (?:het|alles) (?:\w+ )?(?:voorbij|over|gedaan|afgelopen)\b")
_GO_OFF_IT = re.compile(r"\b(?:ga|spring|stap|val|gooi|laat) (?:ik )?(?:me |mij |mezelf )?(?:\w+ )?"
                        r"(?:eraf|er af|eroverheen|er overheen|erin|er in|erafvallen)\b"
                        r"|\b(?:ga|spring|stap|val|gooi) (?:ik )?(?:me |mij "
                        r"|mezelf )?er (?:\w+ ){1,2}(?:af|in|overheen)"
                        + END)
# Wanting to be with someone who died: a check-in; going to them tonight, a crisis.
_JOIN_THE_DEAD = re.compile(r"\b(?:wil|ga|zou|hoop)\w* (?:\w+ ){0,3}(?:bij|naar) (?:mijn|m'n) "
                            r"(?:overleden|gestorven|dode|verongelukte) \w+")
_GO_TO_THEM = re.compile(r"\b(?:ga|kom) (?:\w+ )?(?:naar|bij) (?:hem|haar|hen) (?:\w+ )?toe\b"
                         r"|\b(?:vannacht|vanavond|vandaag|straks|morgen)\b")
# ... and across a story: someone died, I go to him or her, decided or arranged (long_stories_9)
_SOMEONE_DIED = re.compile(r"\b(?:overleden|gestorven|verongelukt|dood (?:is|gegaan)|begraven|sinds de dood van"
                           r"|weduwe|weduwnaar|passed away|died)\b")
_TO_THEM = re.compile(r"\b(?:ga|gaan|kom|komen|wil|zal) (?:\w+ ){0,3}(?:naar|bij) (?:haar|hem|hen) toe\b"
                      r"|\b(?:naar|bij) (?:haar|hem|hen) toe (?:\w+ )?(?:ga|gaan|kom|komen|wil)\b"
                      r"|\bgo (?:\w+ )?(?:to|and join) (?:her|him|them)\b|\bjoin (?:her|him|them)\b")
# a living destination named, a move or a visit to the grave: not joining the dead
_TO_THE_LIVING = re.compile(r"\b(?:naar|bij) (?:mijn|m'n|onze|ons) \w+|\b(?:verhuis\w*|logeren|logeer\w*|wonen|woon"
                            r"|bezoek\w*|kerkhof|graf|begraafplaats|urn)\b")
_DECIDED = re.compile(r"\b(?:besloten|beslist|mijn besluit|decided)\b")
# Climbing in through a window (with someone: "er klimt iemand door mijn raam naar binnen").
_CLIMBS_IN = re.compile(r"\b(?:klimt|klom|kruipt|komt|breekt) (?:\w+ ){0,2}(?:door|via) (?:mijn|m'n|het"
                        r"|de|ons) "
                        r"(?:raam|ramen|balkon|achterdeur|deur) (?:naar )?binnen\b")
# Someone forcing their way in ("mijn ex is mijn huis binnengedrongen").
_FORCED_IN = re.compile(r"\b(?:binnengedrongen|binnendringt|binnendringen|dringt (?:\w+ ){0,3}binnen"
                        r"|ingebroken"
                        r"|inbreekt|breekt (?:\w+ ){0,3}in|broke in|breaking in|forced (?:his|her|their"
                        r"|the) way in)\b")

# Ending one's life said indirectly ("er een punt achter zetten", "ermee stoppen",
# "eruit stappen", "verdwijnen", "weg zijn", "end it"): not clear alone, so it counts
# with a word of for ever ("voor altijd", "voorgoed"), with being a burden ("het is
# beter als ik ..."), or with affairs put in order ("alles geregeld", "testament").
# Never when it has its own object: "ik zet er een punt achter met de moestuin",
# "ik ga voorgoed weg uit Maastricht", "ik stop ermee voor altijd, met roken".
_NOT_REFERRED = r"(?!(?: (?:te|zetten|zet|zette|maken|maak|maakt|stoppen|stop|kappen|kap|op|ophouden|houden" \
                r"|stappen|stap|gaan|ga|ben|zijn|wil|willen|zou|worden|word))* " \
                r"(?:met|aan|bij|van|uit|naar|voor|voordat|tegen|om|op|in|als|zonder) " \
                r"(?!alles\b|het leven\b|mijn leven\b|leven\b|iedereen\b|altijd\b|goed\b|eeuwig\b)\w+)"
_ENDING = re.compile(
    r"(?:\ber (?:\w+ ){0,3}(?:een )?punt achter(?: te)?(?: zetten| zet| zette)?"
    r"|\b(?:zet|zetten|zette) (?:ik )?er (?:\w+ ){0,3}een punt achter"
    r"|\ber (?:\w+ ){0,3}(?:een )?einde? aan(?: te)?(?: maken| maak| maakt)?"
    r"|\bmaak (?:ik )?er (?:\w+ ){0,3}(?:een )?einde? aan"
    r"|\b(?:ermee|er (?:\w+ ){0,2}mee) (?:\w+ ){0,2}?(?:stoppen|stop|kappen|kap|ophouden|op te houden|op)"
    r"|\b(?:stop|kap|stoppen|kappen|hou|houd) (?:ik )?(?:\w+ )?(?:ermee|er mee)(?: op)?"
    r"|\b(?:eruit|er uit) (?:te )?(?:stappen|stap)|\bstap (?:ik )?(?:\w+ )?(?:eruit|er uit)"
    r"|\bstap (?:ik )?er (?:\w+ ){1,3}uit(?= *(?:\||$))"
    r"|\ber (?:\w+ ){0,3}tussen ?uit|\bertussen ?uit|\ber (?:\w+ ){0,2}uit(?= *(?:\||$))"
    r"|\b(?:kom|komen|keer|kom ik) (?:\w+ )?(?:nooit|niet) meer terug"
    r"|\b(?:ik|mij|me) (?:\w+ ){0,3}(?:verdwijn|verdwijnen|verdween|slapen|inslapen|weg ben|weg zijn"
    r"|weg zou zijn"
    r"|weg was|er niet meer was|dood was|dood ben"
    r"|weg ga|weg gaan|weg)"
    r"|\b(?:end|ending|finish) (?:it|this|things|everything)|\b(?:go to sleep|sleep|disappear|be gone"
    r"|go away|leave)"
    r"|\ber niet meer (?:ben|zijn|zal zijn|wil zijn))" + _NOT_REFERRED + r"\b")
_FOR_GOOD = re.compile(r"\b(?:voorgoed|voor altijd|voor goed|voor eeuwig|eeuwig|definitief|for good|forever"
                       r"|for ever|once and for all)\b")
_BURDEN = re.compile(r"\b(?:(?:het|dat|dit) is|is het|zou|zal|wordt|ware|was)(?: het)? (?:\w+ ){0,3}beter"
                     r"(?: \w+){0,4} (?:als|dat|wanneer|zonder) (?:ik|mij|me)\b"
                     r"|\b(?:een )?last voor (?:iedereen|jullie|mijn \w+|de \w+)\b|\bniemand heeft nog last\b"
                     r"|\b(?:ben|voel) (?:me |mij )?(?:\w+ ){0,3}(?:een )?(?:last|blok aan het been)" + END
                     + r"|\bbetter (?:for (?:everyone|everybody) )?if i\b|\ba burden\b"
                     r"|(?:^|\| )(?:\w+ )?beter (?:\w+ ){0,3}(?:als|dat|wanneer) (?:ik|mij|me)\b")
_ARRANGED = re.compile(r"\b(?:alles (?:is )?geregeld|testament|afscheid (?:genomen|nemen)|spullen weggegeven"
                       r"|(?:iedereen )?gedag gezegd|vaarwel|goodbye (?:everyone|all)|said goodbye"
                       r"|laatste bericht|last message|everything (?:is )?arranged)\b"
                       r"|\bheb (?:\w+ )?alles klaar(?:liggen|gelegd|staan)?(?= *(?:\||$))")
_GONE_SOON = re.compile(r"\b(?:ben ik|ik ben) (?:\w+ )?(?:weg|er niet meer|dood)\b(?! (?:op|naar|bij|met"
                        r"|voor|uit))"
                        r"|\b(?:is het|het is) (?:\w+ )?(?:voorbij|over|klaar|afgelopen)\b"
                        r"|\btijd om te (?:gaan|vertrekken)\b|\bdit was het\b|\btime to go\b|\bi(?:'ll"
                        r"| will) be gone\b"
                        r"|\b(?:morgen|vannacht|vanavond|vandaag|straks|zo meteen) (?:doe|ga) ik het\b"
                        r"|\bhet is tijd(?= *(?:\||$))")
# A right-hand referent of an ending: "ik zet er een punt achter, die cursus" is
# about the course. Blanked with the ending (FALSE_FRIENDS, below).
_REFERENT_CLAUSE = (r"(?:(?:met|aan|van|bij|voor) (?:(?:die|dat|deze|dit|de|het|mijn|m'n|onze|ons|zijn"
                    r"|haar|een) )?"
                    r"|(?:die|dat|deze|dit|de|het|mijn|m'n|onze|ons|zijn|haar) )"
                    r"(?!alles\b|leven\b|het leven|mijn leven|iedereen\b|mezelf\b|altijd\b|voorgoed\b|pijn\b"
                    r"|ellende\b|wereld\b|bestaan\b)\w+(?: (?:met|van|bij|in|op) (?:(?:de|het|die|mijn"
                    r"|m'n) )?\w+)?"
                    r"(?= \||$)")
_ENDING_WORDS = (r"\b(?:punt achter(?: te)?(?: zetten| zet| zette)?|einde? aan(?: te)?(?: maken| maak"
                 r"| maakt)?"
                 r"|er ?mee(?: \w+){0,2}|er ?uit(?: te)?(?: stappen| stap)?|uit|klaar mee)")

# An acute threat by someone else: "hij dreigt me", not "hij dreigt me te ontslaan".
_THREATENS_ME = re.compile(r"\b(?:dreig|bedreig)\w* (?:me|mij)\b(?! (?:\w+ ){0,3}(?:te"
                           r"|aan te) (?:verlaten|ontslaan"
                           r"|bellen|melden|geven|uitzetten|royeren|schorsen|wegsturen|weg te sturen"
                           r"|verklikken|straffen"
                           r"|negeren|onterven|blokkeren)\b)"
                           r"|\b(?:gaat|wil|komt|zal) (?:me|mij) (?:\w+ )?(?:pakken|grijpen|afmaken)\b"
                           r"|\b(?:me|mij) (?:\w+ ){0,2}(?:komt|gaat|wil|zal) (?:afmaken|pakken"
                           r"|vermoorden|doodmaken"
                           r"|grijpen|doodschieten|neersteken)\b"
                           r"|\b(?:will|going to|wants to|threatens to) (?:kill|hurt|get) me\b"
                           r"|\b(?:me|mij) (?:\w+ )?dood (?:maakt|maken|slaat|schiet|steekt)\b")
# At the door with fear: other + door + a threat word (THREAT) or "bang" with standing there.
_DOOR = {"trappenhuis", "galerij", "hal", "lift", "deur", "voordeur", "achterdeur", "raam", "ramen", "ruit", "ruiten", "tuin", "portiek", "door",
         "window"}
_SOMEONE_THERE = re.compile(r"\b(?:staat|stond|komt|kwam|is|zit) (?:\w+ ){0,4}(?:voor|aan|bij|in|op) "
                            r"(?:de|mijn|m'n|het|onze) (?:\w+ )?(?:deur|voordeur|tuin|raam|portiek|gang"
                            r"|huis|woning)\b"
                            r"|\b(?:is|stands?) (?:at|outside) (?:my|the) (?:door|house|window)\b")

# False friends: blanked out before anything else is read.
FALSE_FRIENDS = [
    # toy weapons: a water pistol, a nerf gun, caps (the eighth blind set)
    r"\b(?:water|speelgoed|klapper|plastic ?|nerf ?|proppen|schuim|lasergame|paintball|knal|zeep)"
    r"(?:pistool|pistooltje|pistolen|geweer|geweertje|geweren|wapen|wapens|zwaard|zwaarden|mes|messen|gun|guns)\b"
    r"|\bnerf\b|\bklappertjes\b|\bwaterballon\w*|\bwater ?guns?\b|\btoy (?:gun|guns|pistol|sword)s?\b",
    r"\bdood (?:van|aan) (?:het|de) (?:lachen|honger|dorst|verveling|kou|hitte|warmte|schrik)\b",
    r"\bdood ?(?:moe|op|gewoon|stil|eenvoudig|normaal|leuk|saai|ziek|bang)\b",
    r"\bme (?:dood|een ongeluk|rot) (?:gelachen|geschrokken|verveeld|gezocht|gewerkt)\b",
    r"\bdying (?:of|to) (?:laughter|laughing|hunger|boredom|know|see|meet)\b",
    r"\b(?:is|are|was) killing me\b",
    r"\bwant die\b",  # Dutch "want die hebben" (because they have)
    r"\bdood ?graag\b",  # "ik wil dood graag naar het concert" (very much)
    r"\bspring\w* (?:\w+ )?(?:binnen|langs|bij|in de bres|over|aan)\b",
    r"\b(?:op|in|uit) de (?:bus|trein|tram|metro|fiets)\b",
    r"\bde (?:trein|bus) naar\b",
    r"\b(?:wat een|een flinke|een grote|is een) strop\b",
    r"\bsla (?:mijn|m'n|de|een) (?:\w+ )?(?:bal|slag)\b",
    r"\bdoe (?:me|mij) (?:een )?(?:plezier|lol)\b",
    r"\bsla\w* (?:me|mij|mezelf) (?:\w+ ){0,2}voor (?:de|m'n|mijn) (?:kop|kanis|hoofd)\b",
    r"\b(?:in|this|last|next) (?:the )?spring\b",  # the season
    r"\b(?:op |van |naar |bij )?(?:spoor|perron|platform) \d+\w?\b",  # the platform at the station
    # an ending with its referent after a comma: "ik zet er een punt achter, die cursus"
    _ENDING_WORDS + r"(?: [\w]+){0,3} \| " + _REFERENT_CLAUSE,
    # a question about getting off ("waar stap ik eruit?", "bij welke halte moet ik eruit")
    r"^(?:waar|wanneer|bij welke \w+|op welke \w+) (?:moet |kan |stap )?(?:ik |je |we |u )?(?:\w+ )?"
    r"(?:er ?uit|uit)(?: te)?(?: stappen| stap)?\b",
]

# Despair without a clear danger: a check-in, not the crisis reply.
CHECK_IN_PATTERNS = {
    "despair": [
        r"\bik ben het (?:allemaal |echt |zo )?zat\b" + END,
        r"\b(?:alles|het|mijn leven) (?:is|lijkt) (?:zo )?(?:zinloos|hopeloos|uitzichtloos)\b",
        r"\b(?:het )?heeft (?:allemaal )?geen zin meer\b|\bgeen uitweg\b",
        r"\bik wil niet meer" + END + r"|\bik ben er klaar mee\b|\bik geef het op\b",
        r"\bwhat'?s the point\b|\bno point\b|\bcan'?t go on\b|\bi give up\b",
        r"\bwil (?:alleen nog )?(?:maar )?slapen\b.{0,20}\bnooit\b",
        r"\bhou (?:het )?(?:echt )?niet meer vol\b|\bkan het (?:echt )?niet meer aan\b"
        r"|\bzorgen dat het (?:allemaal )?(?:stopt|ophoudt)\b",
        r"\bwil (?:er|het) (?:\w+ ){0,2}(?:vanaf|van af) (?:zijn|te zijn)\b",
        r"\b(?:niemand|nobody) (?:heeft|needs) (?:me|mij) (?:nodig)?\b|\btot last\b",
    ],
    "near-a-height": [r"\b(?:sta|zit|ben) (?:nu )?bij (?:de|het) (?:brug|spoor|rand)\b",
                      r"\b(?:loop|ga|fiets|rijd)\w* (?:\w+ ){0,2}naar (?:het|de) "
                      r"(?:spoor|rails|spoorlijn)\b"],
    # euphemisms not clear on their own: "ik stop ermee", "ik kap ermee", "klaar met alles"
    "ending-euphemism": [r"\b(?:stop|kap|stoppen|kappen|ophouden|hou|houd) (?:ik )?(?:er ?mee)" + END
                         + r"|\ber ?mee (?:stoppen|kappen|ophouden)" + END,
                         r"\bklaar met alles\b|\biets doms (?:gaan )?doen\b|\bga (?:\w+ )?iets doms doen\b"],
    "end-is-near": [r"\bhet einde is (?:\w+ ){0,2}(?:dichtbij|nabij|in zicht)\b|\bthe end is near\b"],
    "afraid-of-someone": [
        r"\bbang (?:voor|van) (?:mijn|m'n|hem|haar|die|my|him|her) ?(?:man|vrouw|partner|vriend|vriendin|ex|"
        r"vader|moeder|zoon|dochter|husband|wife|boyfriend|father)?\b",
    ],
}


# --- kinds of acute danger beyond suicide (issue 14, ninth round) -------------
# One table of (level, name, pattern, unless): a rule fires on a sentence that
# matches `pattern` and not `unless`. Written by kind of danger (medical emergency,
# the cold, hunger, someone else at home in danger, coercion, farewell, overdose,
# self-harm), not by phrasing; the crisis reply names 112 for acute danger
# (knowledge/data/helplines.yml, sourced), which is what these kinds need.
_FAMILY = (r"(?:mama|papa|mam|pap|mams|(?:mijn|m'n|haar|zijn|onze|ons|de|het|hun|my|his|her|the) "
           r"(?:moeder|vader|broer|broertje|zus|zusje|kind|kindje|kinderen|kids|zoon|zoontje|dochter"
           r"|dochtertje|baby|oma|opa|kleinkind|kleinkinderen|kleinzoon|kleindochter|vrouw|man|broertjes"
           r"|zusjes|mum|mom|mother|dad|father|sister|brother|children|son|daughter))")
_PERSON = (r"(?:(?:mijn|m'n|onze|ons|de|het|een|my|our|the|his|her) (?:\w+ )?(?:man|vrouw|partner|moeder|vader"
           r"|broer|zus|kind|kindje|zoon|zoontje|dochter|baby|oma|opa|buurman|buurvrouw|vriend|vriendin"
           r"|kleinkind|kleinzoon|kleindochter|schoonmoeder|schoonvader|husband|wife|mum|mom|mother|dad"
           r"|father|son|daughter|child|baby|neighbour|neighbor|friend|grandmother|grandfather)"
           r"|mama|papa|hij|zij|iemand|he|she|someone|somebody)")
_DEVICE = (r"\b(?:helpdesk|klantenservice|huisbaas|verhuurder|woningbouw|laptop|computer|pc|telefoon|mobiel|app|scherm|tv|televisie|printer|mail|berichten|bericht"
           r"|whatsapp|appje|appjes|sms|website|site|knop|muis|tablet|ipad|auto|motor|kastje|modem|wifi"
           r"|internet|lamp|gemeente|instantie|woningcorporatie|phone|messages|texts|email)\b")
_JOKE = r"\b(?:haha\w*|hihi|lol|grapje|van het lachen|van de lach|pollen|hooikoorts|lachen)\b"
_COLD_OR_TONIGHT = (r"\b(?:vannacht|vanavond|nacht|koud|kou|vriest|vriezen|vorst|sneeuw\w*|ijskoud|bevroren|min"
                    r" (?:\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|\w+tien)|\d+ graden onder nul|onder nul|tonight|freezing|cold|snow\w*|frozen|ijzig)\b")
_NO_PLACE_TO_SLEEP = (r"\b(?:geen (?:\w+ )?(?:slaapplek|slaapplaats|onderdak|plek (?:om|voor|waar) (?:\w+ ){0,2}"
                       r"(?:slapen|vannacht)|plaats om te slapen|bed voor vannacht)|nowhere to (?:sleep|stay)"
                       r"|no place to sleep)\b")
_HOMELESS = (r"\b(?:dakloos|thuisloos|geen (?:\w+ )?(?:slaapplek|slaapplaats|onderdak|dak boven (?:mijn|m'n|ons)"
             r" hoofd|dak(?: meer)?(?! op| van| boven de)|plek (?:om|voor|waar) (?:\w+ ){0,2}(?:slapen|vannacht)"
             r"|plaats om te slapen|bed voor vannacht|huis meer|woning meer|thuis meer)"
             r"|(?:uit (?:\w+ )?(?:huis|woning|flat)|op straat) gegooid"
             r"|(?:uit (?:\w+ )?(?:huis|woning|kamer|flat) gezet|op straat gezet|eruit gezet|uitgezet)"
             r"|moet (?:\w+ ){0,2}(?:buiten|op straat) (?:slapen|overnachten)"
             r"|nowhere to (?:sleep|stay|go)|homeless|kicked out|no place to sleep|no home|no house|lost my home"
             r"|no have (?:a )?(?:house|home)|have no (?:house|home))\b")
_SLEEP_OUT = (r"\b(?:slaap|slapen|sliep|sliepen|overnacht\w*|sleep(?:ing)?|sleeping)\b (?:\w+ ){0,3}(?:op straat"
              r"|buiten|in het park|onder (?:een|de) brug"
              r"|in (?:een|de|mijn|m'n) (?:auto|portiek)|op het station|in een portiek|outside|on the street"
              r"|rough|in the park|in (?:a )?park)\b"
              r"|\b(?:lig|ligt|zit|zitten|sta|leef|leven|woon|wonen)\b (?:\w+ ){0,2}(?:op straat|in het park"
              r"|onder (?:een|de) brug|in een portiek|on the street)\b"
              r"|\b(?:op straat|buiten|in het park|onder de brug) (?:\w+ ){0,2}(?:slapen|overnachten|te slapen)\b")
_OUTDOORS_FUN = (r"\b(?:tent|tenten|scouting|kamperen|kampeer\w*|camping|festival|kampvuur|sterren|zomer"
                 r"|hangmat|bivak|barbecue|bbq|terras|zon|zonnen|picknick|schaats\w*|sleeen|ijsbaan)\b")
_NO_FOOD_FOR_DAYS = (r"\b(?:dagen|dag|week|weken|sinds \w+|gisteren)\b(?: \w+){0,4} (?:niet|niks|niets|geen"
                     r"|nauwelijks|bijna (?:niks|niets)) (?:meer )?(?:\w+ )?(?:gegeten|eten|te eten|voedsel)\b"
                     r"|\b(?:niet|niks|niets|geen|nauwelijks) (?:meer )?(?:gegeten|eten|te eten) (?:\w+ ){0,3}"
                     r"(?:in|sinds|voor|al) (?:\w+ ){0,2}(?:dagen|dag|week|weken)\b"
                     r"|\b(?:haven'?t|have not|hasn'?t|not) eaten (?:\w+ ){0,2}(?:days|a week|since)\b"
                     r"|\b(?:eet|at|aten|eten) (?:\w+ ){0,4}(?:dagen|week|weken) (?:\w+ )?(?:niks|niets|niet|bijna niks"
                     r"|bijna niets|nauwelijks)\b"
                     r"|\bno food (?:for|in) (?:\w+ )?days\b"
                     r"|\b(?:haven'?t|hasn'?t|have not|not|didn'?t) (?:had|eaten) (?:any )?(?:food|anything)? ?(?:for|in)"
                     r" (?:\w+ )?(?:days|a week)\b"
                     r"|\bhonger\b.{0,30}\bgeen (?:\w+ )?geld\b|\bgeen (?:\w+ )?geld\b.{0,30}\bhonger\b"
                     r"|\b(?:niks|niets|geen eten) (?:meer )?(?:te eten )?(?:in huis )?en (?:ook )?geen (?:\w+ )?geld\b")
_NO_MONEY_FOR_FOOD = (r"\bgeen (?:\w+ )?(?:geld|cent|euro) (?:meer )?(?:voor|om) (?:\w+ ){0,2}(?:eten|boodschappen)\b"
                      r"|\bno money for food\b")
_PILLS = (r"\b(?:pillen|pil|tabletten|medicijnen|medicatie|slaappillen|\w+pillen|pills|oxazepam|paracetamol"
          r"|diazepam|temazepam|tramadol|meds)\b")
_DRINK = (r"\b(?:wodka|vodka|drank|alcohol|wijn|whisky|jenever|bier|fles|bottle|booze|gedronken|drank|dronken"
          r"|zuip|zuipen|gezopen|wine|beer|drink|drinken)\b(?!.*\b(?:water|thee|koffie|melk|sap|glas)\b)")
_CHILD_HUNGRY = (r"\b(?:kinderen|kind|kids|baby|zoon|dochter|children)\b (?:\w+ ){0,3}(?:honger|hungry|niet gegeten"
                 r"|niks (?:meer )?te eten|niets (?:meer )?te eten)")
_CHILD_NO_FOOD = (r"\b(?:kinderen|kind|kids|baby|zoon|dochter|children)\b (?:\w+ ){0,3}(?:niks|niets) (?:meer )?te"
                  r" eten\b")
_NO_FOOD_LEFT = (r"\b(?:niks|niets|geen eten) meer (?:te eten|in huis)\b|\bno food left\b")

# The shared parts of the rows' `unless` patterns: alternatives, joined into one
# whole-word pattern by _words(). A row's own words stay in the row.
_ILL_AT_HOME = r"ziek|griep|corona|quarantaine|dokter"
# at home for an illness, an injury or the doctor's advice, not kept in by someone
_MEDICAL_CONTEXT = _ILL_AT_HOME + r"|huisarts|arts|gips|knie|heup|operatie"
# stuck for a harmless reason: grounded, in a lift or a traffic jam, a game
_STUCK_HARMLESSLY = r"huisarrest|lift|file|spel|escape ?room"
# a story on a screen or on paper, not the resident's own life
_FICTION = r"film|serie|boek"
# pills as prescribed, from the pharmacy
_PRESCRIBED = r"apotheek|recept|voorgeschreven|per dag"
# papers at the desk of the municipality or the border, not taken by someone
_AT_THE_DESK = r"gemeente|balie|stadhuis|verlengen|verlopen|aanvragen|ophalen|vakantie|douane"
# learning or asking what to do, not an emergency now (first aid, a folder, "als je ...")
_FIRST_AID_LESSON = r"cursus|ehbo|folder|voorlichting|als je"
# helping the homeless, or a story of the past
_HOMELESS_HELP_OR_PAST = r"vrijwilliger\w*|collecte|inzameling|film|documentaire|vroeger|jaren geleden|vorig jaar"


# kinds of blind set 11 (2026-12-04): a child missing or abused, "why go on", back from the edge
# a child (the one missing or hurt), and who hurts a child at home or near it
_CHILD = (r"(?:kind|kindje|kinderen|zoon|zoontje|dochter|dochtertje|jongen|jongetje|meisje|meisjes|stiefzoon"
          r"|stiefdochter|kleinzoon|kleindochter|kleinkind|neefje|nichtje|broertje|zusje|baby|peuter|kleuter"
          r"|child|kid|kids|son|daughter|boy|girl|stepson|stepdaughter|grandson|granddaughter|toddler"
          r"|(?:[1-9]|1[0-2]) ?(?:year old|jarige))")
_CARER = (r"(?:stiefvader|stiefpapa|stiefmoeder|stiefmama|vader|papa|moeder|mama|oom|opa|tante|broer|neef|oppas"
          r"|vriend|buurman|stepfather|stepdad|stepmother|father|dad|daddy|mother|mum|mom|uncle|grandpa|grandad"
          r"|babysitter|boyfriend|brother|neighbour|neighbor)")
# young: "van 4", "van vier jaar", "4 jaar", "my 4 year old"
_YOUNG = (r"\b(?:van|is|pas|nog maar|only|aged?|she is|he is|she's|he's) (?:[1-9]|1[0-2]|een|twee|drie|vier|vijf"
          r"|zes|zeven|acht|negen|tien|elf|twaalf|one|two|three|four|five|six|seven|eight|nine|ten)"
          r"(?: (?:jaar|jaar oud|jarige|years? old|year))?\b"
          r"(?! (?:dagen|dag|uur|uren|weken|week|minuten|keer|euro|tot|days|hours|weeks|minutes|times|o'clock)\b)"
          r"|\b(?:[1-9]|1[0-2]|two|three|four|five|six|seven|eight|nine|ten) ?(?:jarige|year old|yo)\b"
          r"|\b(?:peuter|kleuter|baby|kleintje|kleine|toddler)\b")
# the child is not there: gone, missing, cannot be found
_CHILD_GONE = (r"\b(?:is|zijn|was|raakte|is gewoon) (?:\w+ ){0,2}(?:weg|kwijt|zoek|vermist|verdwenen|weggelopen"
               r"|missing|gone|lost)\b(?! (?:naar|met|bij|op|voor|uit|om|aan|to|with|at)\b)")
_CANT_FIND = (r"\b(?:kan|kon|kun|kunnen) (?:ik |we |wij |u )?(?:hem|haar|ze|mijn \w+|m'n \w+|ons \w+|onze \w+)"
              r" (?:\w+ )?(?:nergens|niet|nog steeds niet) (?:meer )?(?:vinden|terugvinden|te vinden)\b"
              r"|\b(?:vind|vinden|vond) (?:ik |we |wij |u )?(?:hem|haar|ze|mijn \w+|m'n \w+|ons \w+|onze \w+)"
              r" (?:\w+ )?(?:nergens|niet|nog steeds niet)(?: meer)?(?= *(?:\||$)| (?:en|meer|terug|hij|ze|zij|hier"
              r"|sinds|al)\b)"
              r"|\b(?:ben|zijn|is) (?:ik |we |wij )?(?:hem|haar|mijn \w+|ons \w+|onze \w+|m'n \w+) (?:\w+ )?kwijt\b"
              r"|\bnergens (?:te )?(?:vinden|te vinden)\b|\b(?:can'?t|cannot|couldn'?t|can not)"
              r" find (?:him|her|them|my \w+)(?! ?'s)\b")
# everyday things one cannot find, a game, a search on a screen or in a list
_LOST_THING = (r"sleutel\w*|telefoon|portemonnee|bril|tas|jas|schoen\w*|fiets|kat|hond|poes|knuffel|spullen|pasje"
               r"|verstoppertje|tikkertje|hide and seek|spel|koor|club|les|vergadering|feest|haha\w*|lol|foto\w*"
               r"|facebook|instagram|online|internet|lijst|app|website|whatsapp|adres|nummer|rooster|school\w*"
               r"|keys|phone|wallet|shoes|toy|photo|game|kamer|studeert|studie|utrecht|amsterdam|logeren|logeert"
               r"|vakantie|kamp|spelen|speelt|bij (?:de buren|oma|opa|zijn vader|haar vader|zijn moeder|haar moeder"
               r"|een vriendje|een vriendinnetje|vriendjes)")
# touching or hurting a child (or me), told by the parent or by the child
_TOUCH_ADVERBS = r"(?:(?:steeds|altijd|vaak|soms|elke|iedere|dag|nacht|avond|s|'s|nachts|stiekem|weer|ook|daar|overal|zo|op|een|rare|manier|plekken|waar|onder|de|kleren|als|mama|weg|is) ){0,5}"
_TOUCHES_A_CHILD = (
    r"\b(?:raakt|raakte|raken|raakten|betast|betastte|voelt) (?:hem|haar|me|mij|mijn " + _CHILD + r"|m'n " + _CHILD
    + r") " + _TOUCH_ADVERBS + r"aan\b"
    r"|\b(?:hem|haar|me|mij|mijn " + _CHILD + r") (?:\w+ ){0,3}(?:aanraakt|aanraakte|aanraken|aangeraakt|betast"
    r"|betastte|betasten)\b"
    r"|\b(?:zit|zat|zitten|komt|kwam) (?:\w+ ){0,2}aan (?:hem|haar)(?= *(?:\||$)| (?:en|als|wanneer|waar|terwijl"
    r"|onder|op|in|s|'s|elke|steeds|lichaam|piemel|plassertje|borsten|billen|kruis)\b)"
    r"|\baan (?:hem|haar|mij|me) (?:\w+ )?(?:zit|zat|zitten)\b"
    r"|\b(?:touches|touched|touching|molests|molested|molesting|abuses|abused|abusing)"
    r" (?:him|her|me|them|my " + _CHILD + r")\b")
# hurting a child: only with a carer said (a father, an uncle, the babysitter), not a child at school
_HURTS_A_CHILD = (r"\b(?:doet|deed|doen) (?:hem|haar) (?:\w+ )?pijn\b|\b(?:hem|haar) (?:\w+ )?pijn (?:doet|deed|doen)\b"
                  r"|\b(?:hem|haar) (?:\w+ )?(?:slaat|sloeg|schopt|schopte|mishandelt|mishandelde|misbruikt"
                  r"|misbruikte)\b"
                  r"|\b(?:hurts|hurt|hurting) (?:him|her|me|them|my " + _CHILD + r")\b"
                  r"(?! (?:feelings|knee|back|ankle|leg|foot|ego)\b)")
# harmless touching or pain: the doctor, a body part that hurts, sport, a story that moves me
_HARMLESS_TOUCH = (r"dokter|arts|huisarts|tandarts|fysio\w*|verpleeg\w*|onderzoek|consultatiebureau|doctor|nurse"
                   r"|knie|buik|buikpijn|hoofdpijn|tand|tanden|kies|oor|oren|rug|voet|beugel|schoen\w*|vaccin\w*"
                   r"|prik|splinter|shoes?|tooth|teeth|stomach|belly|injection|verhaal|film|lied|liedje|muziek"
                   r"|woorden|gedicht|story|song|movie|voetbal|judo|sport|training|wedstrijd|spel|game|football"
                   r"|soccer|bal|ball|knuffel|eten|hand geven|high five|aait|hug|knuffelt|troost|schaken|schaak"
                   r"|dammen|kaarten|tennis|biljart|pingpong|potje|winnen|wint|verhalen|woorden|brief|gedicht\w*"
                   r"|toespraak|diep|ontroer\w*|kammen|haren|knippen|nagels|luier|verschonen|poetsen|wassen"
                   r"|vlechten|splinter")
# "why go on": with life said, or with nothing left, a crisis; alone a check-in
_WHY_GO_ON = (r"\b(?:waarom|waarvoor|voor wie) (?:zou|moet|zal|ga|moeten) ik (?:\w+ )?(?:nog |eigenlijk |nog langer )?"
              r"(?:doorgaan|door gaan|verder gaan|verdergaan|doorleven|door leven|verder leven|leven|blijven leven"
              r"|volhouden|opstaan|bestaan)(?= *(?:\||$)| (?:er|als|want|nu|zo|hier|alles|niemand|het|dan|ik|mijn"
              r"|eigenlijk|nog|toch|zonder (?:haar|hem|hen))\b)"
              r"|\b(?:weet|zie) (?:ik )?(?:\w+ )?(?:niet|niet meer) (?:meer )?waarom ik (?:nog )?(?:zou )?(?:doorga"
              r"|doorgaan|verder ga|leef|leven|opsta|besta)(?= *(?:\||$)| (?:er|als|want|nu|alles|niemand)\b)"
              r"|\bwhy (?:should|would|do|bother|even) (?:i )?(?:even |still )?(?:go on|keep going|carry on|keep living"
              r"|live|living|going on|bother living|get up|stay alive)(?= *(?:\||$)| (?:anymore|any more|now|when|if|at all)\b)")
# going on with something: a course, a form, a hobby, not life
_GOING_ON_WITH = (r"cursus|les|lessen|club|koor|studie|opleiding|aanvraag|formulier|werk|baan|vrijwilligerswerk"
                  r"|sport|training|breien|hobby|dieet|project|boek|serie|spel|game|stad|course|class|job|form")
_LIFE_OR_NOTHING_LEFT = (r"\b(?:leven|doorleven|bestaan|blijven leven|live|living|alive)\b"
                         r"|\ber is (?:\w+ )?(?:niks|niets|niemand) meer\b|\bik heb (?:\w+ )?(?:niks|niets"
                         r"|niemand) meer\b(?! (?:te doen|nodig|gegeten))|\balles is (?:weg|kapot|voorbij|op)\b"
                         r"|\b(?:nothing|no one|nobody) left\b|\bgeen (?:\w+ )?(?:zin|hoop|toekomst)\b"
                         r"|\b(?:niemand|nobody|no one) (?:mist|wil|houdt|would miss|cares)\b"
                         r"|\bzonder (?:haar|hem|hen)\b")
# having been at a height, the water or the track lately, and then not wanting to go back or on
_WAS_AT_THE_EDGE = (r"\b(?:(?:ik|i) (?:\w+ ){0,2}(?:heb|had|ben|was|stond|zat|liep)|(?:heb|had|ben|was|stond|zat"
                    r"|liep) ik) (?:\w+ ){0,3}(?:op|bij|aan|langs|over) (?:de|het|een) (?:\w+ )?(?:brug|dak|spoor"
                    r"|rails|spoorlijn|reling|rand|maas|water|kanaal|rivier|parkeergarage|groeve)\b"
                    r"|\bi (?:stood|was standing|was|sat) (?:\w+ ){0,2}(?:on|at|by) (?:the|a) (?:bridge|roof"
                    r"|tracks|railway|edge|river|ledge)\b")
_NOT_BACK = (r"\b(?:weet|wist) (?:ik )?(?:\w+ )?niet (?:meer )?of ik (?:\w+ ){0,3}(?:terug|verder|door|naar huis"
             r"|leven|blijven|wil|wou)\b"
             r"|\b(?:wil|wou|wilde) (?:\w+ ){0,2}niet (?:meer )?(?:terug|naar huis|verder)\b"
             r"|\bniet (?:meer )?terug (?:\w+ )?(?:naar huis|willen|wil|gaan)\b"
             r"|\b(?:wilde|wou) (?:\w+ ){0,3}(?:springen|eraf|naar beneden|het water in|er af|erin)\b"
             r"|\b(?:naar beneden|in het water) (?:\w+ ){0,2}(?:gekeken|gestaard|staren)\b|\bbijna (?:gesprongen"
             r"|eraf|gegaan)\b"
             r"|\b(?:not sure|don'?t know|do not know) (?:if |whether )?i (?:\w+ ){0,2}(?:want to )?(?:go (?:back|home|on)"
             r"|come back|live)\b|\bwanted to jump\b|\balmost jumped\b")


def _words(*alternatives: str) -> str:
    """A whole-word pattern of alternatives: _words("a|b", "c") == r"\b(?:a|b|c)\b"."""
    return r"\b(?:" + "|".join(alternatives) + r")\b"


KIND_RULES: List[Tuple[str, str, "re.Pattern[str]", Optional["re.Pattern[str]"]]] = [
    (level, name, re.compile(pattern), re.compile(unless) if unless else None)
    for level, name, pattern, unless in [
        # a medical emergency: someone does not respond, does not breathe, chest pain, a stroke
        (CRISIS, "medical:unresponsive",
         r"\b(?:reageert|reageerde|reageren) (?:\w+ ){0,2}(?:niet|nergens)(?: meer)?(?: op (?:mij|me|niks|niets"
         r"|roepen|schudden|aanraken|mijn stem)\b|(?= *(?:\||$)| en\b| of\b))"
         r"|\b(?:bewusteloos|buiten bewustzijn|flauwgevallen|flauw gevallen|onwel geworden|in elkaar gezakt"
         r"|ineengezakt|unconscious|collapsed|passed out|not responding|unresponsive)\b"
         r"|\b(?:wordt|werd|word) (?:\w+ )?(?:niet|nie) (?:meer )?wakker\b(?! (?:van|door|om|voor|als|tot))"
         r"|\b(?:isn'?t|is not|not|stopped) (?:moving|breathing|waking up|responding)\b"
         r"|\b(?:\w*gevallen|ligt|lag|lig|gezakt)\b.{0,40}\b(?:praat|beweegt|reageert|ademt|antwoordt|zegt|huilt)"
         r" (?:\w+ )?(?:niet|niks"
         r"|niets)\b(?! (?:meer )?(?:tegen|met|over|op mijn))"
         r"|\b(?:doet|krijgt|kan) (?:\w+ ){0,2}ogen niet (?:meer )?open\b|\bniet (?:meer )?wakker te (?:krijgen|maken)\b"
         r"|\b(?:is|wordt|ziet|zag) (?:\w+ ){0,2}blauw\b(?=.{0,30}\b(?:adem\w*|huilt|lucht|lippen|niet|slap)\b)"
         r"|\bblauwe lippen\b",
         _DEVICE + r"|" + _JOKE + r"|\bnooit meer\b|\bwekker\b|\bvermoeid\b|\bfeest\b|\bgame\w*\b|\bgamen\b"
         r"|\bpuber\w*\b|\bkoptelefoon\b|\bboos\b|\bvorige week\b|\bvorig jaar\b|\btoen\b"
         r"|\bgaat (?:weer |nu )?(?:goed|beter)\b"),
        (CRISIS, "medical:breathing",
         r"\b(?:krijg|krijgt|kreeg|heb|heeft) (?:\w+ )?(?:geen|bijna geen|nauwelijks|amper|slecht|moeilijk|weinig)"
         r" (?:lucht|adem)\b"
         r"|\b(?:kan|kun|kon) (?:\w+ )?(?:niet|nie|bijna niet|nauwelijks) (?:meer )?(?:ademen|ademhalen)\b"
         r"|\bademt (?:\w+ )?(?:niet|nie|nauwelijks|raar|niet goed|bijna niet)\b|\bstikt\b|\bik stik\b(?! van)"
         r"|\b(?:can'?t|cannot|can not) breathe?\b|\bnot breathing\b|\bchoking\b"
         r"|\b(?:niet|geen) (?:\w+ )?(?:kan|kun) (?:\w+ )?(?:ademen|ademhalen)\b",
         _JOKE + r"|\b(?:hitte|warm|warmte|benauwd weer|volle bus|drukte|yoga|zingen|sport|rennen|trap op|zaal\w*"
         r"|ruimte|raam open|ventilatie|mondkapje|onder water|duiken)\b"),
        (CRISIS, "medical:heart-or-stroke",
         r"\b(?:pijn|druk|steek|steken|knellend\w*) (?:\w+ ){0,2}(?:op|in|aan) (?:de|mijn|m'n|zijn|haar|z'n) borst\b"
         r"|\bborstpijn\b|\bchest (?:pain|hurts?)\b|\bmy chest (?:\w+ ){0,2}(?:hurts|pain)\b"
         r"|\b(?:hartaanval|hartinfarct|infarct|beroerte|herseninfarct|hersenbloeding|heart attack|stroke)\b"
         r"|\b(?:gezicht|mond|mondhoek) (?:\w+ ){0,2}(?:hangt|hing) (?:\w+ )?scheef\b|\bface (?:is )?drooping\b"
         r"|^(?=.*\b(?:praat|praten|spreekt|spreek) (?:\w+ )?(?:raar|onduidelijk|wartaal|met een dubbele tong|niet meer"
         r" goed)\b)(?=.*\b(?:arm|been|gezicht|mond|hand)\b)"
         r"|^(?=.*\b(?:kan|kon|kun) (?:\w+ )?niet (?:meer )?(?:praten|spreken)\b)(?=.*\b(?:hoofdpijn|arm|gezicht|mond"
         r"|ineens|opeens|plotseling|scheef|verward)\b)",
         _words(r"gehad|vorig|vorige|jaren|jaar|geleden|herstel\w*|revalidatie|na (?:mijn|zijn|haar|een|de)"
                r" (?:hartaanval|beroerte|infarct)|niks ernstigs|niets ernstigs|was niks|reanimatie\w*"
                r"|lotgenoten|hartpatient\w*|vereniging|praatgroep|bijna|verhaal|wat moet je"
                r"|haha\w*|lol|grapje|rekening|schrik|hoest\w*|griep|verkouden|spierpijn|sporten|fitness"
                r"|wat te doen|risico", _FIRST_AID_LESSON, _FICTION)),
        (CRISIS, "medical:bleeding",
         r"\b(?:bloed|bloedt|bloedde|bloeden) (?:\w+ ){0,2}(?:heel )?(?:erg|veel|hevig|enorm|als een rund|heftig)\b"
         r"|\b(?:stopt|stop|ophouden|houdt) (?:\w+ )?niet (?:meer )?(?:met )?bloeden\b|\bbloeden stopt niet\b"
         r"|\b(?:bloedt|bloed|bloedde) (?:\w+ )?uit (?:zijn|haar|mijn|m'n|z'n) (?:hoofd|kop|mond|oor|oren)\b"
         r"|\bbleeding (?:a lot|badly|heavily)\b"
         r"|\bbloed (?:\w+ )?(?:stopt|houdt) (?:\w+ )?niet\b",
         r"\b(?:neus|neusbloeding|tandvlees|tandarts|tand|kies|vinger|knie|sneetje|schaafwond|lachen"
         r"|gaat (?:weer )?goed|alles goed)\b"),
        (CRISIS, "medical:fallen",
         r"\b(?:gevallen|gestruikeld|val) (?:\w+ ){0,4}(?:kan|kon|kun) (?:\w+ )?(?:niet|nie) (?:meer )?(?:op ?staan"
         r"|overeind|bewegen|opkomen)\b"
         r"|\b(?:ligt|lig|lag) (?:al )?(?:\w+ ){0,4}op de (?:grond|vloer)\b(?=.{0,40}\b(?:kan|dagen|uren|nacht"
         r"|ademt|reageert|beweegt|bloed))"
         r"|\b(?:ligt|lig|lag) (?:al )?(?:\w+ ){0,2}(?:dagen|uren|de hele nacht|sinds \w+) op de (?:grond|vloer)\b"
         r"|\b(?:fell|fallen) (?:\w+ ){0,3}(?:can'?t get up|isn'?t moving|is not moving|not moving)\b"
         # a fall with a sign of a serious injury: does not get up, bleeds from the head (blind set 11)
         r"|\b(?:(?:om|neer|flauw)?gevallen|gestruikeld|fell|fallen)\b.{0,40}\b(?:staat|komt|gaat|stond|kwam|wil|kan|kon)"
         r" (?:\w+ )?(?:niet|nie) (?:meer )?(?:op|overeind|recht)(?= *(?:\||$)| (?:en|meer|of)\b)"
         r"|\b(?:(?:om|neer|flauw)?gevallen|gestruikeld|fell|fallen)\b.{0,40}\b(?:bloed|bloedt|bloedde|bloeden|bleeding|bleeds"
         r"|blood)\b (?:\w+ ){0,2}(?:uit|aan|op|from|on) (?:zijn|haar|mijn|m'n|z'n|his|her|my) (?:hoofd|kop"
         r"|gezicht|oor|head|face|ear)\b"
         r"|\b(?:(?:om|neer|flauw)?gevallen|gestruikeld|fell|fallen)\b.{0,40}\b(?:hoofd|kop|head) (?:\w+ ){0,2}(?:ligt open|open"
         r"|bloedt|bloedend|bleeding|is bleeding)\b"
         r"|\b(?:(?:om|neer|flauw)?gevallen|gestruikeld)\b.{0,40}\b(?:blijft|blijf|bleef) (?:\w+ )?liggen\b"
         r"|\b(?:(?:om|neer|flauw)?gevallen|gestruikeld|fell|fallen)\b.{0,40}\b(?:gat|wond|snee|hole|cut|gash) in (?:zijn|haar|mijn"
         r"|m'n|z'n|his|her|my) (?:hoofd|kop|head)\b"
         r"|\b(?:fell|fallen)\b.{0,40}\b(?:won'?t|can'?t|doesn'?t|isn'?t|is not|does not|cannot) (?:\w+ )?(?:get"
         r" up|getting up|moving|move)\b",
         r"\b(?:gaat (?:weer )?goed|alles goed|niks ergs|niets ergs|gaat wel|yoga|gym|spel|speel\w*|vloer ligt"
         r"|in slaap|slaap gevallen|stil gevallen|asleep)\b"),
        (CRISIS, "medical:seizure",
         r"\b(?:toeval|aanval|epilepsie\w*|stuip\w*|seizure|fit)\b.{0,40}\b(?:stopt niet|houdt niet op|blijft"
         r" (?:\w+ )?schokken|niet (?:meer )?op|schokt|won'?t stop|doesn'?t stop)\b",
         r"\b(?:lachen|lachbui|woede\w*|hooikoorts|niesbui)\b"),
        (CRISIS, "medical:poisoned",
         r"\b(?:bleek\w*|chloor|ontstopper|gootsteenontstopper|schoonmaakmiddel|wasmiddel|vaatwastablet\w*"
         r"|batterij\w*|knoopcel|gif|rattengif|antivries|lampenolie|bleach|poison)\b(?: \w+){0,4} (?:gedronken"
         r"|opgedronken|opgegeten|gegeten|ingeslikt|geslikt|doorgeslikt|binnengekregen|drank|ate|swallowed)\b"
         r"|\b(?:gedronken|opgegeten|ingeslikt|doorgeslikt|swallowed|drank|ate) (?:\w+ ){0,3}(?:bleek\w*|chloor"
         r"|ontstopper|schoonmaakmiddel|wasmiddel|batterij\w*|knoopcel|gif|bleach|poison)\b"
         r"|\b(?:kind|kindje|zoon\w*|dochter\w*|baby|peuter|kleuter|kleinkind|kleinzoon|kleindochter|broertje"
         r"|zusje|moeder|vader|oma|opa|child|toddler|son|daughter)\b(?: \w+){0,5} (?:pillen|pil|tabletten"
         r"|medicijnen|medicatie|pills)\b(?: \w+){0,4} (?:gevonden en )?(?:opgegeten|ingenomen|geslikt"
         r"|ingeslikt|gegeten|doorgeslikt|swallowed|ate|taken|took)\b",
         r"\b(?:vergeten|recept|apotheek|elke dag|iedere dag|dokter zegt)\b"),
        (CRISIS, "medical:call-112",
         r"\b(?:bel|bellen|belt|gebeld|moet ik|call|called|calling) (?:\w+ ){0,2}(?:112|een ambulance|de ambulance"
         r"|ambulance|911|999)\b|\b(?:ambulance|112) (?:\w+ ){0,2}(?:nodig|komen|gebeld|bellen|onderweg)\b",
         _words(r"vrijwilliger\w*|les|werk|baan|vacature|wanneer moet je|kinderen leren|alleen bij|bij nood"
                r"|uitleg|wanneer bel|film|serie", _FIRST_AID_LESSON)),
        # someone at home in danger, or missing: a child, an old parent, a partner
        (CRISIS, "violence:against-family",
         r"\b(?:slaat|sloeg|slaan|schopt|schopte|mishandelt|mishandelde|wurgt|wurgde|knijpt|trapt|trapte|duwt"
         r"|duwde|bedreigt|bedreigde|misbruikt|misbruikte|verkracht|verkrachtte|hits|hit|beats|beat|abuses"
         r"|kicks|chokes|hurts) (?:\w+ ){0,2}" + _FAMILY + r"\b"
         r"|\b(?:vriend|partner|man|vader|stiefvader|broer|zoon|ex) (?:\w+ ){0,4}(?:slaat|sloeg|schopt|mishandelt|wurgt"
         r"|misbruikt|verkracht|beats|hits) (?:haar|hem|ze|hen|her|him)\b"
         r"|\b(?:doet|deed) (?:\w+ )?" + _FAMILY + r" (?:\w+ )?pijn\b"
         r"|\b" + _FAMILY + r" (?:\w+ ){0,2}(?:wordt|werd|worden|is|gets|got|is being) (?:\w+ ){0,4}(?:geslagen"
         r"|mishandeld|geschopt|misbruikt|bedreigd|verkracht|gewurgd|beaten|abused|hit)\b",
         r"\b(?:schaken|schaak|dammen|kaarten|spel|spelletje|potje|tennis|bal|pingpong|tafeltennis|biljart"
         r"|wedstrijd|rikken|bridge|klaverjassen|game|winnen|wint|verslaat|sla|scrabble|monopoly|schaakspel"
         r"|bordspel|quiz|armworstelen)\b"),
        (CRISIS, "violence:injured-me",
         r"\b(?:heeft|hebben|had) (?:\w+ ){0,1}(?:mijn|m'n) (?:arm|neus|kaak|ribben|rib|pols|vinger|been|tand"
         r"|tanden|oog|lip) (?:\w+ )?(?:gebroken|gekneusd|blauw|kapot|opengeslagen)\b"
         r"|\b(?:duwde|duwt|gooide|gooit|schopte|trapte|sleurde|sleurt) (?:me|mij) (?:\w+ ){0,3}(?:van de trap"
         r"|tegen de|door de|op de grond|de trap af|in elkaar|uit bed|aan mijn haren)\b",
         r"\b(?:per ongeluk|ongeluk|dokter|arts|tandarts|fysio|sport|judo|voetbal|karate|spel|spelen"
         r"|ik heb|ik had)\b"),
        (CRISIS, "danger:missing-person",
         r"\b(?:mijn|m'n|ons|onze) (?:\w+ )?(?:kind|kindje|zoon|zoontje|dochter|dochtertje|vader|moeder|opa|oma"
         r"|man|vrouw|baby) (?:\w+ ){0,3}(?:is|zijn|was|raakte) (?:\w+ ){0,3}(?:kwijt|vermist|weggelopen|verdwenen"
         r"|zoek|niet thuisgekomen|niet thuis gekomen|alleen op straat)\b"
         r"|\bverward (?:\w+ ){0,4}(?:weg|buiten|op straat|kwijt|weggelopen|in de kou)\b"
         r"|^(?=.*\b(?:dement\w*|alzheimer|verward)\b)(?=.*\b(?:deur uit|weggelopen|weg gelopen|kwijt|vermist|zoek"
         r"|(?:vinden|vind) (?:hem|haar) (?:\w+ )?(?:niet|nergens))\b)"
         r"|\b(?:ik )?(?:kan|vind) (?:hem|haar) (?:\w+ )?(?:niet|nergens) (?:meer )?(?:vinden|terugvinden)\b"
         r"(?=.{0,60}\b(?:kind|zoon\w*|dochter\w*|vader|moeder|opa|oma|baby|dementie|verward|kou|nacht)\b)"
         r"|\b(?:child|son|daughter|mum|mom|dad) (?:\w+ ){0,2}(?:is )?missing\b",
         r"\b(?:sleutel\w*|telefoon|portemonnee|bril|tas|jas|fiets|kat|hond|poes|knuffel|spullen|pasje"
         r"|verstoppertje|tikkertje|spel|koor|club|les|vergadering|feest|haha\w*|lol)\b"),
        # the cold and hunger: tonight outside, no food for days
        (CRISIS, "danger:homeless-cold",
         r"^(?=.*(?:" + _HOMELESS + r"))(?=.*(?:" + _COLD_OR_TONIGHT + r"))"
         r"|^(?=.*(?:" + _SLEEP_OUT + r"))(?=.*(?:" + _COLD_OR_TONIGHT + r"))"
         r"|^(?=.*(?:" + _HOMELESS + r"))(?=.*(?:" + _SLEEP_OUT + r"))|" + _NO_PLACE_TO_SLEEP,
         _OUTDOORS_FUN + r"|" + _words(_HOMELESS_HELP_OR_PAST, r"daklozenopvang zoekt|wachten|wacht|bus|tram|halte")),
        (CHECK_IN, "danger:homeless", _HOMELESS,
         _words(_HOMELESS_HELP_OR_PAST, r"daklozen|tijdelijk|logeren|logeer|verbouwing|renovatie|wisselwoning"
                r"|geweest")),
        (CRISIS, "danger:hunger",
         _NO_FOOD_FOR_DAYS + r"|^(?=.*(?:" + _NO_MONEY_FOR_FOOD + r"|" + _NO_FOOD_LEFT + r"))(?=.*(?:"
         + _CHILD_HUNGRY + r"))|" + _CHILD_NO_FOOD,
         r"\b(?:vasten|ramadan|ramadam|dieet|detox|sapkuur|operatie|darmonderzoek|nuchter|ziek|griep|buikgriep"
         r"|misselijk|te doen)\b"),
        (CHECK_IN, "danger:no-money-for-food", _NO_MONEY_FOR_FOOD + r"|" + _NO_FOOD_LEFT, None),
        # coercion: papers taken, held, confined, married off
        (CRISIS, "coercion:papers-taken",
         r"\b(?:houdt|houden|hield|hielden|afgepakt|afgenomen|ingenomen|pakte|pakten|took|takes|keeps?|kept"
         r"|holds?) (?:\w+ ){0,3}(?:mijn|m'n|my|ons|onze|our) (?:paspoort|paspoorten|papieren|passport|passports"
         r"|papers|id|id kaart|identiteitskaart|verblijfspas)\b"
         r"|\b(?:mijn|m'n|my) (?:paspoort|papieren|passport|papers|id) (?:\w+ ){0,3}(?:afgepakt|afgenomen"
         r"|ingenomen|vast|taken|kept|weg)\b",
         _words(_AT_THE_DESK, r"politie|hotel|vergeten|kwijt")),
        (CRISIS, "coercion:confined",
         r"\b(?:word|wordt|worden|werd|ben|zit|zat|zitten) (?:\w+ ){0,3}(?:vastgehouden|opgesloten|gevangen"
         r" gehouden|ontvoerd)\b|\bheld (?:captive|against my will|prisoner)\b|\bkidnapped\b"
         r"|\btegen mijn wil (?:\w+ ){0,3}(?:vastgehouden|opgesloten|hier|binnen|in huis)\b"
         r"|\b(?:laten|lieten|liet) (?:me|mij|ons) (?:\w+ ){0,3}niet (?:meer )?(?:\w+ )?(?:naar buiten|de deur uit"
         r"|weg|buiten|gaan|los|vertrekken)\b"
         r"|\b(?:won'?t|don'?t|do not|will not) let (?:me|us) (?:leave|go|out)\b",
         _words(_STUCK_HARMLESSLY, r"toilet|wc", _ILL_AT_HOME)),
        (CRISIS, "threat:against-family",
         r"\b(?:zegt|dreigt|gaat|wil|zal|komt)\b.{0,40}\b(?:" + _FAMILY + r"|haar|hem|ons|hen) (?:\w+ ){0,2}(?:te )?"
         r"(?:steken|neersteken|doodsteken|vermoorden|doodmaken|afmaken|doodschieten|neerschieten|doodslaan|in elkaar slaan)\b",
         _words(_FICTION, r"spel|game|toneel\w*|grapje|haha\w*")),
    (CRISIS, "violence:sexual-abuse",
         r"\b(?:zit|zat|zitten|kwam|komt|aanzitten) (?:\w+ )?aan (?:mij|me|mijn (?:dochter|zoon|kind|kinderen|zusje|broertje"
         r"|kleindochter|kleinzoon|lichaam|dochtertje|zoontje))\b"
         r"|\b(?:betast|betastte|betasten|aangerand|aanrandt|randt (?:\w+ )?aan|molesteert|gemolesteerd)\b"
         r"|\b(?:misbruikt|misbruikte|touches|touched|molests|molested) (?:\w+ )?(?:me|mij|my|mijn|haar|hem)\b"
         r"(?! (?:\w+ )?(?:vertrouwen|goedheid|naam|gegevens|pas|account|trust|kindness))",
         r"\b(?:tafel|bureau|kant|computer|spullen|eten|film|boek)\b"),
    (CRISIS, "threat:arson",
         r"\b(?:zegt|dreigt|gaat|wil|zal|komt)\b.{0,40}\b(?:in brand (?:steekt|steken|te steken|stak)|brand (?:\w+ )?"
         r"(?:stichten|sticht))\b|\b(?:will|going to|threatens to) burn (?:my|the|our) (?:house|flat|home)\b",
         _words(r"barbecue|bbq|kaars\w*|vuurkorf|kampvuur|open haard", _FICTION)),
    (CRISIS, "coercion:confined",
         r"^(?=.*\bmag (?:\w+ ){0,6}(?:niemand|niet|nooit)\b.{0,30}\b(?:bellen|zien|spreken|naar buiten|de deur uit"
         r"|weg)\b)(?=.*\bvan (?:mijn|m'n|hem|haar|hen) ?\w*)"
         r"|\b(?:ben|zit|word|worden|zitten) (?:\w+ ){0,2}gevangen\b(?! genomen)",
         _words(_MEDICAL_CONTEXT, _STUCK_HARMLESSLY, r"verhaal|film|boek")),
    (CRISIS, "coercion:marriage",
         r"\buithuwelijk\w*\b|\b(?:gedwongen|forced) (?:te |to )?(?:trouwen|marry|marriage|huwelijk)\b"
         r"|\bforced marriage\b|\bmake me marry\b"
         r"|\b(?:moet|moeten|willen|gaan|laten) (?:me|mij|ik)? ?(?:\w+ ){0,4}trouwen\b(?=.{0,60}\b(?:niet (?:ken"
         r"|wil)|tegen mijn wil|van mijn (?:familie|ouders|vader|moeder|oom|broer)|anders|gedwongen|bang)\b)",
         None),
        # the house not allowed out because someone says so ("mag het huis niet uit van mijn man")
        (CRISIS, "coercion:confined",
         r"\b(?:mag|mogen|mocht) (?:\w+ ){0,2}(?:het huis|de deur|de flat|mijn kamer|de kamer) niet (?:meer )?uit\b"
         r"(?=.{0,40}\bvan (?:mijn|m'n|hem|haar|hen|ze|mn) ?(?:\w+)?\b)",
         _words(_MEDICAL_CONTEXT, r"huisarrest")),
        # farewell, overdose with drink, self-harm in more forms
        (CRISIS, "ending:farewell",
         r"\b(?:dag|doei|daag|dahag|bye|doeg) (?:lieve )?(?:iedereen|allemaal|allen)\b(?=.{0,20}\b(?:voor altijd"
         r"|voorgoed|forever|vaarwel|voor eeuwig|het was mooi)\b)"
         r"|\bvaarwel (?:iedereen|allemaal|allen|wereld|lieve)\b|\b(?:goodbye|bye) (?:everyone|everybody|world)\b"
         r"|\bthis is (?:the end|goodbye|it for me)" + END
         + r"|\b(?:zeg|vertel) (?:\w+ ){0,3}dat ik (?:\w+ )?van (?:ze|hen|haar|hem|jullie|hun) (?:hou|houd)\b"
         r"|\b(?:jullie|je|u|niemand) (?:hoort|horen|hoor|ziet|zien) (?:\w+ )?(?:niets|niks|nooit (?:meer )?iets)"
         r" (?:meer )?van (?:mij|me)\b"
         r"|\bdit is (?:mijn|een|het) (?:laatste )?afscheid" + END
         + r"|\bzorg (?:\w+ )?goed voor (?:mijn|m'n) (?:kat|hond|kinderen|kids|poes|planten|dieren|vrouw|man)"
         r"\b(?=.{0,40}\b(?:afscheid|ik ga|als ik|vaarwel|sorry|niet meer)\b)",
         None),
        (CRISIS, "wish:not-here",
         r"\b(?:don'?t|do not) want to (?:be here|exist|live|wake up|go on|be alive)\b"
         r"|\bwish i could (?:just )?(?:disappear|die|sleep forever|not wake up|vanish)\b"
         r"|\bwant to disappear\b|\bi (?:don'?t|do not) want to be alive\b"
         r"|\b(?:wou|wilde|zou willen|wens) dat ik er niet meer (?:was|ben|zou zijn)(?= *(?:\||$))"
         r"|\bdat ik (?:dood|nooit geboren) (?:was|ben|zou zijn|ware)\b"
         r"|\bhet hoeft voor mij (?:allemaal |echt |gewoon )?niet meer\b"
         r"|\b(?:klaar|kap|stop|ophouden)\w* (?:\w+ )?(?:er ?mee|mee) \| (?:met )?(?:het|mijn|dit) leven\b"
         r"|\bbeter (?:af )?zonder (?:mij|me)(?= *(?:\||$))"
         r"|\bik zie (?:\w+ )?geen toekomst (?:meer )?(?:voor mezelf|voor mij|(?= *(?:\||$)))"
         r"|\b(?:wil|kan) (?:echt |gewoon |zo )?niet meer verder(?: leven)?(?= *(?:\||$))"
         r"|\bwat (?:heeft|is) (?:het|mijn leven|dit leven) (?:nog )?(?:voor )?zin (?:\w+ )?(?:om )?(?:te )?leven\b"
         r"|\bich (?:will|kann|mag) (?:einfach |so )?nicht mehr(?: leben)?(?= *(?:\||$))",
         None),
        (CRISIS, "ending:stop-for-good",
         r"\b(?:wil|wens|hoop) (?:\w+ ){0,2}dat (?:het|alles|de pijn|dit) (?:\w+ )?(?:ophoudt|stopt|over is|voorbij is)\b"
         r"(?=.{0,20}\b(?:voor altijd|voorgoed|voor eeuwig|for good|forever)\b)",
         None),
    (CHECK_IN, "despair:no-point",
         r"\bwat heeft het (?:allemaal )?nog voor zin\b|\bhet maakt (?:allemaal )?(?:niks|niets|niet) meer uit\b"
         r"|\bik weet (?:al |precies |nu )*hoe ik het (?:ga |wil |zal )?doen(?= *(?:\||$))"
         r"|\bi know how i(?:'m| am)? (?:going to|gonna|will) do it\b",
         None),
        (CRISIS, "method:overdose",
         r"\b(?:\d{2,3}|[6-9]|tien|twaalf|vijftien|twintig|dertig|veertig|vijftig|honderd) (?:\w+ )?(?:pillen|pil"
         r"|tabletten|tablet|paracetamol|oxazepam|slaappillen|\w+pillen|pills|tablets|temazepam|diazepam"
         r"|ibuprofen|lorazepam|tramadol|oxycodon)\b(?: \w+){0,3} (?:genomen|ingenomen|geslikt|gepakt|op|gegeten"
         r"|opgegeten|took|taken|swallowed|nemen|innemen|slikken)\b"
         r"|\b(?:alle|al mijn|al m'n|mijn hele|de hele|een hele|een volle) (?:\w+ )?(?:(?:strip|strips|doos|pot"
         r"|potje|flesje) (?:\w+ )?)?(?:pillen|pil|tabletten|medicijnen|medicatie|oxazepam|paracetamol|slaappillen"
         r"|\w+pillen|diazepam|temazepam|tramadol)"
         r"(?: \w+){0,2} (?:op|leeg|opgemaakt|leeggegeten|leeg gegeten|in een keer|tegelijk|gepakt)\b"
         r"|\b(?:strip|strips) (?:\w+ ){0,2}(?:leeg ?(?:gegeten|geslikt|gemaakt)|leeggeslikt|leeggegeten)\b"
         r"|\b(?:veel )?te ?veel (?:\w+ )?(?:pillen|tabletten|medicijnen|slaappillen|pills) (?:\w+ )?(?:gepakt"
         r"|genomen|geslikt|ingenomen|op)\b"
         r"|\b(?:drink|zuip) (?:ik )?(?:me|mij|mezelf) (?:\w+ )?dood\b|\bdrink(?:ing)? myself to death\b"
         r"|^(?=.*\b(?:ik|i|heb|i've|mijn|my)\b)(?=.*" + _PILLS + r")(?=.*" + _DRINK + r")",
         _words(_PRESCRIBED, r"dokter|huisarts|vakantie|weekdoos|baxter|vergeten|mag ik|geen|niet")),
        (CRISIS, "method:drink+despair",
         r"^(?=.*" + _DRINK + r")(?=.*(?:\b(?:wil|kan) (?:het )?(?:echt )?niet meer(?= *(?:\||$))"
         r"|\bmaakt (?:\w+ )?(?:niks|niets|niet) meer uit\b|\bhou (?:het )?niet meer vol\b|\bgeen zin meer\b"
         r"|\bcan'?t (?:do this|go on)\b"
         r"|\bwil (?:\w+ )?dat (?:het|alles|de pijn) (?:\w+ )?(?:ophoudt|stopt|voorbij is|over is)(?= *(?:\||$)| (?:en|maar"
         r"|want)\b)|\bwant (?:it|everything) to (?:stop|end)\b))",
         r"\b(?:feest|kater|gezellig|haha\w*|lol)\b"),
    (CRISIS, "coercion:exploited",
         r"\bmoet (?:\w+ )?van (?:hem|haar|hen|ze|mijn \w+|m'n \w+) (?:\w+ ){0,4}(?:met (?:\w+ )?(?:mannen|klanten"
         r"|vrouwen|vrienden van hem)|naar bed|seks)\b",
         None),
    (CHECK_IN, "danger:neglect",
         r"\b(?:eet|drinkt|at) (?:\w+ )?niet meer\b(?: \w+){0,4} (?:ligt|lag) (?:al )?(?:\w+ )?(?:dagen|de hele dag"
         r"|week)\b",
         None),
    (CRISIS, "self-harm:again",
         r"\bik (?:kras|krasse|snij|snijd|kerf|sneed|kraste|brand|bonk) (?:mezelf |me )?(?:\w+ )?(?:weer|opnieuw"
         r"|steeds|elke dag|elke avond|iedere dag|iedere avond)\b"
         r"|\bi(?:'m| am)? (?:\w+ )?(?:cutting|burning) (?:again|myself)\b|\b(?:started|start) cutting\b"
         r"|\bcutting again\b"
         r"|\b(?:heb|ben) (?:mezelf |me )?(?:weer|opnieuw) (?:\w+ ){0,2}(?:gesneden|gekrast|gekerfd|gebrand)\b"
         r"|\b(?:bonk|bonken|bonkte|sla|slaan|sloeg|beuk|beuken|ram|rammen)\w* (?:mijn|m'n|me|mijn eigen)"
         r" (?:hoofd|kop) (?:\w+ ){0,3}tegen (?:de|een) (?:muur|deur|kast|vloer)\b"
         r"|\b(?:krab|krabben|krabde|kras|krassen|kraste|snij|snijden|sneed)\w* (?:\w+ )?(?:mijn|m'n) (?:armen|arm"
         r"|benen|been|huid|polsen|pols|buik|dijen) (?:\w+ )?(?:open|kapot|stuk|tot (?:het )?bloed\w*)\b"
         r"|\b(?:mezelf|mijzelf|me) (?:\w+ ){0,3}(?:gebrand|brand|branden|verbrand) (?:\w+ ){0,2}(?:met|aan)"
         r" (?:een|de|mijn) (?:sigaret|aansteker|strijkijzer|kaars)\b",
         r"\b(?:ui|uien|brood|groente|vlees|taart|papier|hout|haar|haren|kapper|kookles|koken|per ongeluk"
         r"|muggenbult\w*|jeuk|eczeem|muggen)\b"),
    # kinds the blind sets 9 and 10 (2026-12-04) found, written as kinds, not phrasings
    (CRISIS, "violence:strangled",
         r"\b(?:bij|aan|om) (?:mijn|m'n|de) (?:keel|nek|hals) (?:\w+ ){0,2}(?:gegrepen|gepakt|geknepen|dichtgeknepen"
         r"|vastgepakt|vastgehouden|dichtgedrukt)\b"
         r"|\b(?:pakte|pakt|greep|grijpt|grabbed|grabs) (?:\w+ ){0,2}(?:bij|aan|by) (?:mijn|m'n|de|my|the)"
         r" (?:keel|nek|hals|throat|neck)\b|\b(?:wurgt|wurgde|wurgen|gewurgd|probeerde (?:\w+ )?(?:mij|me)"
         r" te wurgen|knijpt (?:\w+ ){0,2}keel (?:\w+ )?dicht|kneep (?:\w+ ){0,2}keel (?:\w+ )?dicht)\b"
         r"|\b(?:strangled|choked) me\b|\bhands? (?:around|round|on) my (?:neck|throat)\b",
         _JOKE + r"|" + _words(_FICTION, r"judo|worstel\w*|toneel|kat|hond")),
    (CRISIS, "method:took-pills",
         r"\b(?:took|have taken|i've taken|swallowed|heb|nam|slikte) (?:\w+ ){0,2}(?:\d{2,3}|[6-9]|ten|twenty|thirty"
         r"|fifty|tien|twintig|dertig|vijftig) (?:\w+ )?(?:pillen|pil|tabletten|paracetamol|pills|tablets"
         r"|sleeping pills|slaappillen|oxazepam|ibuprofen|diazepam|tramadol)\b",
         _words(_PRESCRIBED, r"a day|prescribed|pharmacy")),
    (CRISIS, "coercion:not-allowed-out",
         r"\bik (?:mag|mocht) (?:\w+ ){0,2}niet (?:meer )?(?:naar buiten|weg|de deur uit|het huis uit|alleen naar"
         r" buiten)\b|\bi(?:'m| am) not allowed (?:to )?(?:go out|leave|go outside)\b",
         _words(_MEDICAL_CONTEXT, r"huisarrest|regen|storm|weer|mama|papa|school|juf|meester")),
    (CRISIS, "coercion:passport-kept",
         r"\b(?:heeft|hebben|has|have) (?:\w+ )?(?:mijn|m'n|my) (?:paspoort|papieren|passport|papers|verblijfspas)\b"
         r"(?=.{0,80}\b(?:geen geld|no money|mag niet|moet werken|must work|niet weg|cannot leave|can't leave"
         r"|help)\b)|\btake my passport\b",
         _words(_AT_THE_DESK, r"hotel|notaris|advocaat")),
    (CRISIS, "method:again-at-the-place",
         r"^(?=.*\b(?:spoor|spoorlijn|rails|trein|brug|viaduct|dak|flat|balkon|maas|water)\b)"
         r"(?=.*\b(?:opnieuw|nog een keer|nog eens|weer) (?:\w+ )?(?:proberen|doen|gaan)\b)"
         r"(?=.*\b(?:gestaan|geweest|gezeten|stond|zat|gelopen)\b)",
         r"\b(?:wandel\w*|fiets\w*|foto\w*|vissen|hengel\w*|excursie|uitstap\w*|trein gemist|vertraging)\b"),
    (CRISIS, "ending:for-good",
         r"\b(?:voordat|voor|als) ik (?:er |ermee )?voorgoed (?:mee )?(?:ophoud|op hou|stop|vertrek|ga)\b"
         r"|\b(?:iedereen|allemaal) (?:nog )?(?:een keer |één keer )?(?:gedag|vaarwel|dag) (?:\w+ )?zeggen (?:voordat"
         r"|voor) ik (?:\w+ ){0,2}(?:voorgoed|voor altijd|er niet meer)\b",
         r"\b(?:roken|drinken|werk|baan|club|koor|vrijwilliger\w*|verhuis\w*|emigr\w*|vakantie|pensioen)\b"),
    (CRISIS, "method:car-crash",
         r"\b(?:ik|i) (?:\w+ ){0,3}(?:rij|rijd|knal|crash|drive|ga|will) (?:\w+ ){0,5}(?:tegen|into) (?:een|de|a|the)"
         r" (?:boom|muur|vrachtwagen|pijler|tree|wall|truck)\b",
         r"\b(?:bijna|gisteren|per ongeluk|droom|gedroomd|fiets|almost|yesterday|dream)\b"),
    (CRISIS, "threat:will-pay",
         r"\b(?:ik|jij|je|u) (?:ga|gaat|zal|zult|moet) (?:\w+ )?boeten\b"
         r"|^(?=.*\bweet waar ik woon\b)(?=.*\b(?:boeten|dreig\w*|bang|pakken|vermoord\w*|afmaken|te grazen|wraak"
         r"|kapot maken|komt halen)\b)|\bknows where i live\b(?=.{0,60}\b(?:kill|hurt|pay|scared|threat\w*)\b)",
         _JOKE + r"|" + _words(_FICTION, r"spel|boete|parkeer\w*")),
    (CRISIS, "danger:child-alone",
         r"^(?=.*\b(?:kind|kindje|jongen|jongetje|meisje|meisjes|buurjongen|buurmeisje|zoontje|dochtertje|kleuter"
         r"|baby|peuter|child|kid|toddler)\b)(?=.*\b(?:alleen|niemand thuis|alone|nobody home)\b)"
         r"(?=.*\b(?:uren|dagen|nacht|vannacht|kou|pyjama|weg|al \w+ dagen|hours|days|night|cold)\b)",
         r"\b(?:speeltuin|spelen|speelt|schoolplein|oppas\w*|logeren|kamp|school|opvang|playground|playing)\b"),
    # kinds blind set 11 (2026-12-04) found, written as kinds, not phrasings
    (CRISIS, "danger:missing-child",
         r"^(?=.*\b" + _CHILD + r"\b)(?=.*(?:" + _CANT_FIND + r"))"
         r"|^(?=.*\b" + _CHILD + r"\b)(?=.*(?:" + _YOUNG + r"))(?=.*(?:" + _CHILD_GONE + r"))",
         _words(_LOST_THING)),
    (CRISIS, "violence:child-abused",
         r"^(?=.*(?:" + _TOUCHES_A_CHILD + r"))(?=.*\b(?:" + _CHILD + r"|" + _CARER + r")\b)"
         r"|^(?=.*(?:" + _HURTS_A_CHILD + r"))(?=.*\b" + _CARER + r"\b)",
         _words(_HARMLESS_TOUCH) + r"|" + _JOKE),
    (CRISIS, "wish:why-go-on",
         r"^(?=.*(?:" + _WHY_GO_ON + r"))(?=.*(?:" + _LIFE_OR_NOTHING_LEFT + r"))",
         _words(_GOING_ON_WITH)),
    (CHECK_IN, "despair:why-go-on", _WHY_GO_ON, _words(_GOING_ON_WITH)),
    (CRISIS, "place:was-at-the-edge",
         r"^(?=.*(?:" + _WAS_AT_THE_EDGE + r"))(?=.*(?:" + _NOT_BACK + r"))",
         r"\b(?:wandel\w*|fiets\w*|foto\w*|vissen|hengel\w*|excursie|uitstap\w*|vuurwerk|markt|kermis"
         r"|optocht|carnaval|zomer|vakantie|buitenland|land|emigr\w*|verhuis\w*|gezellig|feest|visite"
         r"|verjaardag|repareren|antenne|dakgoot)\b"),
    ]
]

# long_stories_9 (a tuning set): pills set aside, and not knowing whether I want tomorrow
_PILLS_SET_ASIDE = (r"^(?=.*" + _PILLS + r")(?=.*\b(?:(?:apart|opzij) ?(?:gelegd|gezet|gehouden|leggen|houden)"
                    r"|verstopt|put aside|hidden)\b)")
_NOT_TOMORROW = (r"\bweet (?:ik )?(?:\w+ )?niet (?:meer )?of ik (?:\w+ ){0,3}(?:wil (?:zijn|leven|bestaan|wakker worden"
                 r"|blijven leven)|er (?:nog )?(?:ben|wil zijn))\b(?! (?:bij|op|in|om|naar|voor|met)\b)"
                 r"|\b(?:not sure|don'?t know) (?:if|whether) i want to (?:be here|live|wake up) tomorrow\b")
KIND_RULES += [
    (level, name, re.compile(pattern), re.compile(unless) if unless else None)
    for level, name, pattern, unless in [
        (CRISIS, "method:pills-set-aside", _PILLS_SET_ASIDE + r"(?=.*(?:" + _NOT_TOMORROW + r"))", None),
        (CHECK_IN, "method:pills-set-aside", _PILLS_SET_ASIDE,
         _words(_PRESCRIBED, r"weekdoos|baxter\w*|vakantie|opruimen|terugbrengen|inleveren|kinderen|kleinkinderen"
                r"|bereik|veilig")),
        (CHECK_IN, "wish:not-tomorrow", _NOT_TOMORROW, None),
    ]
]

# Rules that may read two sentences together: a method or a place in one and the
# intent in the next ("ik heb vannacht op de brug gestaan. ik weet niet of ik nog
# terug wil", "waarom zou ik nog doorgaan. er is niks meer")
PAIR_RULES = frozenset({"method:jump+height", "wish:why-go-on", "place:was-at-the-edge", "medical:fallen",
                        "method:pills-set-aside"})


def _kind_rules(sentence: str) -> List[Tuple[str, str]]:
    """(level, name) of each KIND_RULES row that fires on a sentence."""
    return [(level, name) for level, name, pattern, unless in KIND_RULES
            if pattern.search(sentence) and not (unless and unless.search(sentence))]


@dataclass(frozen=True)
class CrisisSignal:
    """What the net found: `level` is CRISIS, CHECK_IN or None; `reasons` names
    the rules that fired ("method:jump+height"), for tests and for review (never
    logged with the text)."""

    level: Optional[str]
    reasons: Tuple[str, ...] = ()


# --- which crisis reply ---------------------------------------------------------
# A medical emergency (someone does not breathe, chest pain, a stroke, bleeding, a
# fall, a seizure, poisoning, "moet ik 112 bellen") needs 112 first, not the 113
# reply that names 112 last. ONE choice for every path: the NLU component writes
# the kind into the parse (`safety_kind`, bot/nlu/safety.py) for action_crisis,
# and the channel layer (bot/channels/live.py crisis_replies) asks crisis_kind itself.
MEDICAL = "medical"
MEDICAL_PREFIX = "medical:"
# the reply of each kind: (domain response of action_crisis, catalogue key of the channel layer)
CRISIS_REPLIES: Dict[Optional[str], Tuple[str, str]] = {
    None: ("utter_crisis", "crisis_now"),
    MEDICAL: ("utter_crisis_medical", "crisis_now_medical"),
}


def crisis_kind(signal: CrisisSignal) -> Optional[str]:
    """MEDICAL when the signal is a crisis and every rule that fired is a medical
    emergency ("medical:..."); None for any other crisis, a mix ("ik heb weer
    gesneden, het bloed stopt niet": the 113 reply, which names 112 too) or no crisis."""
    if signal.level == CRISIS and signal.reasons and all(
            reason.startswith(MEDICAL_PREFIX) for reason in signal.reasons):
        return MEDICAL
    return None


def crisis_response(kind: Optional[str]) -> str:
    """The domain response for a crisis of `kind` (None: utter_crisis)."""
    return CRISIS_REPLIES.get(kind, CRISIS_REPLIES[None])[0]


def crisis_catalogue_key(kind: Optional[str]) -> str:
    """The catalogue key the channel layer says for a crisis of `kind` (None: crisis_now)."""
    return CRISIS_REPLIES.get(kind, CRISIS_REPLIES[None])[1]


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
            if key in words or (name not in WHOLE_WORDS_ONLY and any(
                    len(w) >= shortest and len(key) > len(w) and key.endswith(w) for w in words)):
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


# Limburgish "zien" (his) before a part of the body or a relative: "bloed oet zien kop".
# Only there: Dutch "zien" (to see) stays itself elsewhere.
_LIMBURG_HIS = re.compile(r"\bzien (?=(?:kop|hoofd|gezicht|gezich|been|bein|arm|erm|hand|rug|nek|mond|oor|oore"
                          r"|vrouw|man|kind|kinder|dochter|zoon|moder|mam|vader|pap)\b)")
# "m'n eigen" (spoken and Limburg Dutch for mezelf) before what one does to oneself
_OWN_SELF = re.compile(r"\bmijn eigen (?=(?:iets|wat|pijn|op|van kant|aan|kapot|dood|snijden)\b)")


@lru_cache(maxsize=1)
def _fuzzy_vocabulary() -> Tuple[str, ...]:
    """The long words the rules read (8+ letters): a one-edit slip of one of
    them ("beeindgen", "opgehangn") is read as the word itself."""
    words = {w for group in CONCEPTS.values() for w in group} | set(FUZZY_WORDS)
    return tuple(sorted(w for w in words if len(w) >= 8 and w.isalpha()))


# Real words one slip from a word the rules read, never read as that slip:
# "doorgaan" is not "doodgaan" ("ik wil graag doorgaan met de cursus").
NOT_A_SLIP = frozenset({"doorgaan", "doorgaat", "voorgaan", "voorgaat", "doorgang"})


@lru_cache(maxsize=4096)
def _chat_form(token: str) -> str:
    """A token in the form the rules read: chat spelling (CHAT_FORMS), or the
    long word it is one typing slip away from (rapidfuzz), else itself."""
    token = CHAT_FORMS.get(token, token)
    if len(token) < 7 or not token.isalpha() or token in _fuzzy_vocabulary() or token in EXTRA_LEMMAS \
            or token in NOT_A_SLIP \
            or any(isinstance(table.get(token), str) for table in _lemma_tables()):
        return token
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    match = process.extractOne(token, _fuzzy_vocabulary(), scorer=Levenshtein.distance, score_cutoff=1)
    return match[0] if match else token


def _sentences(text: str) -> List[str]:
    """Normalised sentences in the form the rules read, false friends blanked
    out. A comma becomes " | ", the end of a clause (END)."""
    out = []
    # a full stop after one letter is an initial ("John F. Kennedybrug"), not a sentence end
    for part in re.split(r"(?<!\b\w)(?<!\b[Ss]t)\.+|[!?;\n]+", text or ""):
        clauses = [" ".join(_chat_form(t) for t in normalise(c).split()) for c in part.split(",")]
        norm = " | ".join(c for c in clauses if c)
        norm = _OWN_SELF.sub("mezelf ", norm)
        norm = _LIMBURG_HIS.sub("zijn ", norm)
        for pattern, word in NAMED_PLACES:
            norm = re.sub(pattern, word, norm)
        for pattern in FALSE_FRIENDS:
            norm = re.sub(pattern, " ~ ", norm)
        norm = re.sub(r"\s+", " ", norm).strip()
        if norm.strip(" ~"):
            out.append(norm)
    return out


def found_threat_words(words: List[str], lemmas: Set[str]) -> Set[str]:
    """The words of THREAT (a visitor who is a threat) in a sentence, by word or lemma."""
    return (set(words) | lemmas) & CONCEPTS["threat"]


def _rules(sentence: str) -> List[Tuple[str, str]]:
    """(level, reason) of every rule that fires on one normalised sentence."""
    fired: List[Tuple[str, str]] = []
    words = [w.strip("'") or w for w in sentence.replace("~", " ").split()]
    found: Set[str] = set()
    for word in words:
        found |= _concepts_of(word)
    lemmas = {EXTRA_LEMMAS.get(w, w) for w in words} | {
        lemma for w in words for table in _lemma_tables()
        for lemma in [table.get(w)] if isinstance(lemma, str)}

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
        if has("pills") and (has("hoard") or (has("take") and has("amount"))
                             or (has("amount") and _LAID_OUT.search(sentence) and not has("routine"))):
            fired.append((CRISIS, "method:pills"))
        if has("overdose"):
            fired.append((CRISIS, "method:overdose"))
        if has("rope") and has("make") and not has("household"):
            fired.append((CRISIS, "method:rope"))
        if has("hang") and (has("myself") or (has("i") and bool({"me", "mij"} & set(words)))):
            fired.append((CRISIS, "method:hang"))
        if has("cut") and (has("wrist") or has("myself")) and not has("accident"):
            fired.append((CRISIS, "method:cut"))
        if has("drown") or (has("jump") and _INTO_WATER.search(sentence)):
            fired.append((CRISIS, "method:drown"))
        if has("gas", "open") and not has("kitchen"):
            fired.append((CRISIS, "method:gas"))
        # self-harm: "mezelf iets (aan ga) doen", "mezelf pijn doen", "ik kras/bewerk mezelf"
        if has("myself") and not has("accident") and not has("kitchen") and (
                has("hurt") or has("self_harm")
                or ("doen" in lemmas and ("pijn" in words or {"iets", "aan"} <= set(words)))):
            fired.append((CRISIS, "self-harm"))
        if ((has("knife") or has("gun")) and has("throat")) or (has("gun") and has("myself")):
            fired.append((CRISIS, "method:weapon"))
        # the track and waiting for the train; the water, a height, going there to fall
        if has("track") and (has("wait") or _GO_TO.search(sentence) and _INTO_IT.search(sentence)):
            fired.append((CRISIS, "method:track+wait"))
        into_water = _WALK_INTO_WATER.search(sentence) and not has("leisure")
        if into_water or (has("height") and _GO_TO.search(sentence) and _INTO_IT.search(sentence)):
            fired.append((CRISIS, "method:go-to-fall"))
        # overdose: pills with alcohol, or "alles/een hele strip ingenomen"
        if (has("take") or has("amount")) and not has("routine") and not has("not") and (
                (has("pills") and has("alcohol"))
                or (bool({"alles", "allemaal"} & set(words)) and bool({"slikken", "innemen"} & lemmas))
                or (bool({"strip", "strips", "doos", "handvol"} & set(words))
                    and bool({"slikken", "innemen"} & lemmas))):
            fired.append((CRISIS, "method:overdose"))
        if (has("knife") or has("rope") or has("pills") or has("height")) and _DO_IT.search(sentence) \
                and not has("kitchen"):
            fired.append((CRISIS, "method:with-intent"))
    if first_person and _UNDER_A_VEHICLE.search(sentence):
        fired.append((CRISIS, "method:vehicle"))
    if has("rope", "ready") and not has("household"):
        fired.append((CRISIS, "method:rope"))
    if _AT_HEIGHT.search(sentence):
        fired.append((CRISIS, "place:at-height"))
    # off a (named) height, over its railing; "ik" or "me/mij" (not only "mijn kleinzoon")
    strict_first = has("i") or has("myself") or bool({"me", "mij"} & set(words))
    if strict_first and not has("leisure"):
        if _OFF_A_HEIGHT.search(sentence):
            fired.append((CRISIS, "method:off-a-height"))
        if _OVER_THE_RAILING.search(sentence) and has("height"):
            fired.append((CRISIS, "method:over-the-railing"))
        if _ON_THE_TRACK.search(sentence):
            fired.append((CRISIS, "method:track+wait"))
    # ending said indirectly, with for ever, a burden or affairs in order
    if _ENDING.search(sentence):
        if _FOR_GOOD.search(sentence):
            fired.append((CRISIS, "ending:for-good"))
        if _BURDEN.search(sentence):
            fired.append((CRISIS, "ending:burden"))
    # an acute threat by someone else: armed, threatening me, at the door
    harmless = has("kitchen") or has("harmless")
    other = has("other")
    at_door = bool(_DOOR & set(words)) or bool(_SOMEONE_THERE.search(sentence))
    if _INTRUDER.search(sentence) and not harmless:
        fired.append((CRISIS, "threat:intruder"))
    if _LAST_MESSAGE.search(sentence):
        fired.append((CRISIS, "ending:last-message"))
    if _NO_MORE_WORRY.search(sentence):
        fired.append((CRISIS if _FROM_NOW.search(sentence) else CHECK_IN, "ending:no-more-worry"))
    if _FORCED_IN.search(sentence) and not harmless:
        fired.append((CRISIS if other else CHECK_IN, "threat:forced-in"))
    if _JOIN_THE_DEAD.search(sentence):
        fired.append((CRISIS if _GO_TO_THEM.search(sentence) else CHECK_IN, "wish:join-the-dead"))
    if other and _CLIMBS_IN.search(sentence):
        fired.append((CRISIS, "threat:forced-in"))
    if _REAL_HEIGHT.search(sentence) and (_THEN_OVER.search(sentence)
                                          or (strict_first and _GO_OFF_IT.search(sentence))):
        fired.append((CRISIS, "method:off-a-height"))
    # going to a height or the water and not coming back ("ik loop naar de brug en kom niet meer terug")
    if first_person and _GO_TO.search(sentence) and has("height") and _NO_RETURN.search(sentence):
        fired.append((CRISIS, "method:go-to-fall"))
    # the kitchen keeps it quiet unless a threat word is there too ("ik ben bang");
    # a film or a gift never alarms
    kitchen_only = has("kitchen") and not has("harmless") and bool(found_threat_words(words, lemmas))
    if other and (not harmless or kitchen_only) and (
            ((has("knife") or has("gun")) and (has("presence") or has("victim") or has("threat")))
            or (has("weapon") and (has("victim") or has("threat") or at_door))):
        fired.append((CRISIS, "threat:armed"))
    if _THREATENS_ME.search(sentence) and not has("harmless"):  # "bedreigt" wins over the kitchen
        fired.append((CRISIS, "threat:threatens-me"))
    if other and at_door and not harmless:
        cues = found_threat_words(words, lemmas)
        if cues - {"bang", "afraid", "scared"} or (cues and _SOMEONE_THERE.search(sentence)):
            fired.append((CRISIS, "threat:at-the-door"))
    # violence against the resident: me/mij as the object, or "ik word ... mishandeld"
    if has("violence") and (has("victim") or (has("i") and has("passive"))) \
            and not (has("myself") and not has("other")) and not has("accident") \
            and not _MURDER_GAME.search(sentence):
        fired.append((CRISIS, "violence"))
    # violence and coercion at home beyond hitting: someone hurts me, locks me in,
    # does not let me out, takes my money, threatens me with a weapon, bruises
    other = has("other")
    if other and has("victim") and "pijn" in words and ("doen" in lemmas or "doet" in words):
        fired.append((CRISIS, "violence:hurts-me"))
    if _LOCKED_IN.search(sentence) or (other and (_NOT_ALLOWED_OUT.search(sentence)
                                                  or _NOT_LET_OUT.search(sentence))):
        fired.append((CRISIS, "coercion:confined"))
    if other and _TAKES_MONEY.search(sentence):
        fired.append((CRISIS, "coercion:money"))
    if other and has("violence") and has("throat") and "mijn" in words:
        fired.append((CRISIS, "violence"))
    if other and (has("knife") or has("gun")) and (has("victim") or has("throat")) and not has("kitchen"):
        fired.append((CRISIS, "violence:weapon"))
    # the eighth blind set, as classes
    if (_FORCES_ME.search(sentence) and _EXPLOITED.search(sentence)) \
            or (_FORCES_ME.search(sentence) and other
                and (_NOT_ALLOWED_OUT.search(sentence) or _HOUSE_NOT_OUT.search(sentence))):
        fired.append((CRISIS, "coercion:exploited"))
    if other and _SOLD.search(sentence) and _SEX_WORK.search(sentence):
        fired.append((CRISIS, "coercion:exploited"))
    if (_CUTTING.search(sentence) or (_RAZOR.search(sentence) and _AGAIN_ON_ME.search(sentence))) \
            and _BLADE.search(sentence) \
            and _BLEEDS.search(sentence) \
            and not _BLADE_HARMLESS.search(sentence) and not has("kitchen") and not has("harmless") \
            and "zich" not in words:  # someone else who cut himself
        fired.append((CRISIS, "self-harm:blade"))
    if _AT_THE_EDGE.search(sentence) and _CANT_GO_ON.search(sentence) and not has("leisure"):
        fired.append((CRISIS, "place:at-the-edge"))
    if _HARM_A_CHILD.search(sentence) and not _CHILD_CARE.search(sentence):
        fired.append((CRISIS, "violence:fear-of-harming-a-child"))
    kills_me = _KILLS_ME.search(sentence)
    if other and kills_me and ("dood" in words or kills_me.group(0).endswith(("als", "wanneer", "if"))):
        fired.append((CRISIS, "threat:kills-me"))
    armed_or_there = has("knife") or has("gun") or has("weapon") or has("presence") or has("home") \
        or bool(_BLADE.search(sentence))
    armed = has("knife") or has("gun") or has("weapon") or bool(_BLADE.search(sentence))
    if other and not has("harmless") and ((_THREATENS_US.search(sentence) and armed_or_there)
                                          or (_WAVES_AT_US.search(sentence) and armed)):
        fired.append((CRISIS, "threat:threatens-us"))
    if _BRUISES.search(sentence) and not has("accident"):
        fired.append((CRISIS if other else CHECK_IN, "violence:bruises"))
    if _NOT_ALLOWED_OUT.search(sentence) and not has("routine") and first_person:
        fired.append((CHECK_IN, "coercion:not-allowed-out"))
    fired += _kind_rules(sentence)
    for reason, patterns in CHECK_IN_PATTERNS.items():
        if any(re.search(p, sentence) for p in patterns):
            fired.append((CHECK_IN, reason))
    if first_person and not has("routine") and not has("kitchen") and not has("household") \
            and not has("harmless") and (
            has("pills") or has("knife") or has("rope") or has("overdose")
            or (has("jump") and strict_first and not has("leisure"))):
        fired.append((CHECK_IN, "method-word"))
    if has("despair"):
        fired.append((CHECK_IN, "despair"))
    if has("die") and first_person and re.search(r"\b(?:denk|wens|hoop|verlang)\w*\b", sentence):
        fired.append((CHECK_IN, "thinks-of-death"))
    return fired


def assess(text: str) -> CrisisSignal:
    """The net's verdict on a message: CRISIS, CHECK_IN or nothing, with the reasons."""
    sentences = _sentences(text)
    fired = [rule for sentence in sentences for rule in _rules(sentence)]
    # a method across two short sentences ("ik ga naar brug. ik spring."), and affairs
    # put in order in one sentence with going in another ("alles geregeld. morgen ben ik weg")
    for first, second in zip(sentences, sentences[1:], strict=False):
        fired += [rule for rule in _rules(first + " | " + second) if rule[1] in PAIR_RULES]
    whole = " | ".join(sentences)
    if _ARRANGED.search(whole) and (_GONE_SOON.search(whole) or _ENDING.search(whole)):
        fired.append((CRISIS, "ending:arranged"))
    # going to one who died, decided or with affairs in order ("mijn vrouw is overleden ...
    # ik heb besloten dat ik naar haar toe ga, alles geregeld")
    if _SOMEONE_DIED.search(whole) and _TO_THEM.search(whole) and not _TO_THE_LIVING.search(whole) and (
            _ARRANGED.search(whole) or _DECIDED.search(whole)):
        fired.append((CRISIS, "wish:join-the-dead"))
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
    # also a check-in phrasing of the net ("ik stop ermee"): as the whole message,
    # wanting to stop is the way out of the conversation (nlu_data start_over)
    "ik wil ermee stoppen", "ik wil er mee stoppen",
    "reset", "restart", "start over", "start again", "back to the menu",
}
# "menu" asks what the assistant can do (the intent contract: help); the help
# reply shows the menu as buttons. Inside a form it does not end the form:
# "opnieuw" and "stop" do.
HELP_COMMANDS = {"help", "hulp", "help me", "helpen", "menu", "hoofdmenu", "het menu", "main menu"}
# what the disclosure tells residents to type to reach a person
PERSON_COMMANDS = {"mens", "een mens", "mens graag", "person", "a person", "human"}
PERSON_INTENT = "request_human"
# what the reminder replies tell residents to type (issue 18.1): as the whole
# message these are commands, whatever the classifier makes of two short words
REMINDER_COMMANDS = {
    "mijn herinneringen": "list_reminders", "mijn herinnering": "list_reminders",
    "herinneringen": "list_reminders", "my reminders": "list_reminders",
    "stop herinneringen": "stop_reminders", "stop mijn herinneringen": "stop_reminders",
    "stop herinnering": "stop_reminders", "stop de herinneringen": "stop_reminders",
    "stop reminders": "stop_reminders", "stop my reminders": "stop_reminders",
}


def way_out_intent(text: str) -> Optional[str]:
    """`start_over` for opnieuw/stop/terug naar het menu, `help` for help/menu, `request_human` for
    'mens' (what the disclosure tells residents to type), `list_reminders` / `stop_reminders`
    for 'mijn herinneringen' / 'stop herinneringen' (what the reminder replies say); None
    otherwise.

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
    return REMINDER_COMMANDS.get(norm)


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
