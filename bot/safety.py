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
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

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


# --- the crisis keyword safety net ------------------------------------------
# Runs after the classifiers (bot/nlu/safety.py): when one of these matches, the
# intent becomes `crisis` whatever the classifier said. Err on the side of
# safety: a false alarm costs one kind message, a miss can cost a life.
_ME = r"(?:me|mij|mezelf|mijzelf|m'n leven|mijn leven|myself|my life)"
CRISIS_PATTERNS = [
    # words that are always a crisis signal (with common misspellings)
    r"\b(?:zelf ?moor[dt]\w*|zelmoord\w*|zelfmord\w*|selfmoord\w*|zelf ?doding\w*)",
    r"\b(?:suicid\w*|suicide\w*|suizid\w*|sucide\w*|suiside\w*)",
    r"\b(?:zelf ?beschadig\w*|self ?harm\w*)",
    # wanting to die / not wanting to live
    r"\b(?:ik )?(?:wil|wou|ga|zou|zal) (?:graag |echt |liever |gewoon )?(?:"
    + _ME
    + r" )?dood\b(?! ?(?:van|aan) (?:het|de) (?:lachen|honger|dorst|verveling|kou|hitte|warmte))",
    r"\bdood (?:wil|willen|gaan wil)\b",
    r"\b(?:liever|beter) dood\b",
    r"\bwas ik (?:maar|toch) dood\b",
    r"\bwil(?:de)? (?:niet|nie) meer (?:leven|verder|wakker worden|bestaan|zijn)\b",
    r"\b(?:niet|nie) meer (?:willen )?leven\b",
    r"\bgeen zin (?:meer )?(?:in|om te) (?:het |mijn )?leven\b",
    r"\bleven (?:heeft|is) (?:geen zin|zinloos)\b",
    r"\bwil er (?:niet meer zijn|niet meer)\b",
    r"\b(?:een )?eind(?:e)? (?:aan|maken aan) (?:" + _ME + r"|het|alles)\b",
    r"\b(?:er|het) (?:een )?eind(?:e)? aan maken\b",
    r"\bmaak (?:er|het) een eind(?:e)? aan\b",
    # "ik maak er vandaag een eind aan": a few words between, ending the sentence
    r"\bmaak (?:ik )?(?:er|het) (?:\w+ ){0,3}(?:een )?eind(?:e)? aan"
    r"(?: (?:mijn leven|alles|het leven))?\s*$",
    r"\b(?:"
    + _ME
    + r") (?:iets )?(?:aandoen|aan doen|van kant maken|ophangen|snijden|verdrinken|vergiftigen|doden"
    r"|om het leven brengen)\b",
    r"\b(?:van|voor) (?:het dak|de trein|een trein|de brug|een brug) (?:springen|spring|gooien)\b",
    r"\bvoor de trein\b",
    r"\b(?:alle|al mijn|een hoop|veel) (?:pillen|medicijnen|slaappillen)\b.*\b(?:slikken|innemen|nemen)\b",
    r"\bik zie het (?:echt |allemaal |niet )?(?:niet )?meer zitten\b",
    r"\biedereen (?:is )?beter af zonder mij\b",
    r"\bafscheidsbrief\b",
    r"\bik kan (?:het )?niet meer\b$",
    r"\bhoeft (?:voor mij )?(?:echt )?allemaal niet meer\b",
    r"\bleven hoeft (?:voor mij )?(?:echt )?niet meer\b",
    r"\bgeen (?:reden|zin|doel) (?:meer )?(?:om|in) (?:te )?(?:leven|verder te gaan)\b",
    r"\b(?:niet|nooit) meer wakker (?:word|worden|te worden)\b",
    r"\bals ik dood (?:ben|was|zou zijn|ga)\b",
    r"\b(?:het|mijn) leven (?:zat|moe)\b",
    r"\bals ik er niet meer (?:ben|was|zou zijn)\b",
    r"\b(?:niet|nie) (?:meer |langer )+(?:willen |wil )?(?:leven|leve|verder leven)\b",
    r"\b(?:stoppen|ophouden) met leven\b",
    r"\b(?:niet|nie) (?:meer |langer )?verder (?:leven|kunnen|willen)\b",
    r"\ber\b.{0,30}\beind(?:e)? aan (?:maken|te maken)\b",
    r"\b(?:me|mij|mezelf|mijzelf) (?:op (?:te )?hangen|te snijden|pijn (?:doen|te doen|doe)"
    r"|van het leven (?:beroven|te beroven))\b",
    r"\b(?:doe|deed) (?:ik )?(?:me|mij|mezelf|mijzelf) (?:pijn|iets aan)\b",
    r"\bvan het leven beroven\b",
    r"\b(?:pillen|medicijnen|slaappillen) (?:gespaard|verzameld|opgespaard)\b",
    # learned from the second never-tuned set (bench/data/crisis_untuned_2.yml)
    r"\b(?:neem|slik|nemen|slikken)\b.{0,25}\b(?:alle|al mijn|al m'n) "
    r"(?:pillen|medicijnen|slaappillen|tabletten)\b",
    r"\b(?:een )?(?:touw|strop)\b.{0,15}\b(?:gekocht|gehaald|klaar|klaargelegd|opgehangen)\b",
    r"\b(?:dreigt|dreigde|bedreigt|bedreigde) (?:me|mij)\b.{0,15}"
    r"\b(?:aan te doen|te slaan|te vermoorden|dood te maken|pijn te doen)\b",
    # learned from the third never-tuned set (bench/data/crisis_untuned_3.yml):
    # a method with the intent to use it, the wish not to exist, violence at home
    r"\b(?:alle|al mijn|al m'n|een hele? (?:strip|doos|pot)|veel) "
    r"(?:pillen|medicijnen|slaappillen|tabletten)\b.{0,40}"
    r"\b(?:opmaken|op maken|op te maken|slikken|innemen|in te nemen|nemen)\b",
    r"\bpills?\b.{0,30}\btake (?:them|it|all)\b|\btake all (?:my|the|of my) pills\b",
    r"\b(?:onder|voor) (?:een|de) (?:auto|bus|trein|vrachtwagen|tram) "
    r"(?:lopen|springen|gaan liggen|stappen|gooien)\b",
    r"\b(?:mes|scheermes|touw|strop|pillen)\b.{0,30}\b(?:wil|ga|zal) (?:het|ermee) (?:doen|gebruiken)\b",
    r"\bwil (?:er )?(?:\w+ ){0,2}niet meer (?:zijn|bestaan|leven)\b",
    r"\bniet meer (?:op|in) (?:deze|de) (?:wereld|aarde)\b",
    r"\buit het leven (?:stappen|stap|gaan|te stappen)\b",
    r"\bstap (?:er ?uit|eruit)\s*$",
    r"\b(?:(?:gaat|gaan|zal|wil) (?:me|mij)|(?:me|mij) (?:gaat|gaan|zal|wil)) "
    r"(?:slaan|vermoorden|pijn doen|iets aandoen|doodmaken|doden)\b",
    r"\b(?:me|mij) (?:\w+ ){0,2}(?:slaat|schopt|mishandelt|bedreigt)\b",
    r"\b(?:voor|van) (?:het spoor|de flat|het balkon|het raam|de toren)\b.{0,20}\bspring\w*",
    r"\b(?:ervoor|eraf|eraf|erin|ervan ?af) (?:te )?springen\b",
    r"\bspringen\b.{0,20}\b(?:flat|dak|brug|spoor|trein|balkon)\b",
    r"\b(?:van|uit) (?:de|het|een) (?:flat|balkon|raam|toren) (?:te )?spring\w*",
    # immediate danger
    r"\bik ben in (?:levens)?gevaar\b",
    r"\b(?:hij|zij|ze|iemand) (?:wil|gaat) mij (?:vermoorden|dood maken|doden|iets aandoen)\b",
    r"\bin danger\b",
    r"\b(?:bang|angst) dat (?:hij|zij|ze|iemand|mijn \w+) (?:me|mij) "
    r"(?:vermoord\w*|doodmaakt|dood maakt|doodslaat|iets aandoet)\b",
    r"\b(?:me|mij) (?:vermoorden|vermoordt|doodslaan|doodmaken)\b",
    r"\b(?:word|wordt|ben) (?:\w+ )?bedreigd\b",
    r"\b(?:slaat|schopt|mishandelt) (?:me|mij)\b",
    # English
    r"\bkill(?:ing)? (?:my ?self|me)\b",
    r"\bend(?:ing)? (?:my life|it all|everything)\b",
    # "want to die", not the Dutch "want die hebben" (because they have)
    r"\b(?:(?:want|going) to|wanna|gonna) die\b",
    r"\b(?:don'?t|do not|dont) want to (?:live|be alive|wake up)\b",
    r"\bno (?:reason|point) (?:to|in) (?:live|living)\b",
    r"\bbetter off dead\b",
    r"\bend(?:ing)? it (?:all|tonight|today|now)\b",
    r"\b(?:point|reason) (?:of|in|to) (?:living|live|go on|going on)\b",
    r"\bif i (?:died|was dead|were dead|was gone|were gone)\b",
    r"\btake my (?:own )?life\b",
    r"\bhurt(?:ing)? my ?self\b",
]
_CRISIS_RE = [re.compile(p) for p in CRISIS_PATTERNS]
# fuzzy single words for misspellings the patterns above do not catch
_CRISIS_WORDS = ("zelfmoord", "zelfdoding", "suicide", "suicidaal")


# Idioms that sound like a crisis but are not ("ik ga dood van het lachen").
# Only used to overrule the CLASSIFIER's crisis guess when no crisis phrase
# matches; a message with a real crisis phrase always stays a crisis.
IDIOM_PATTERNS = [
    r"\bdood (?:van|aan) (?:het|de) (?:lachen|honger|dorst|verveling|kou|hitte|warmte|schrik)\b",
    r"\bdood ?(?:moe|op|gewoon|stil|eenvoudig|normaal|leuk|saai|ziek|bang)\b",
    r"\bme (?:dood|een ongeluk) (?:gelachen|geschrokken|verveeld|gezocht|gewerkt)\b",
    r"\bdying (?:of|to) (?:laughter|laughing|hunger|boredom|know|see|meet)\b",
]
_IDIOM_RE = [re.compile(p) for p in IDIOM_PATTERNS]


def is_idiom(text: str) -> bool:
    norm = normalise(text)
    return any(rx.search(norm) for rx in _IDIOM_RE)


def is_crisis(text: str) -> bool:
    """True when the message contains a crisis phrase (the keyword safety net)."""
    norm = normalise(text)
    if not norm:
        return False
    if any(rx.search(norm) for rx in _CRISIS_RE):
        return True
    from rapidfuzz import fuzz

    for token in norm.replace("'", " ").split():
        if len(token) >= 7 and any(fuzz.ratio(token, word) >= 85 for word in _CRISIS_WORDS):
            return True
    return False


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
SAFETY_EVENT_KINDS = {"crisis", "crisis_keyword", "loneliness", "other_language"}


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
