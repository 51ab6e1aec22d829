"""Mask personal data in a resident's message BEFORE it is stored for review.

    mask_personal_data("Ik ben Jan, bel 06-12345678 of jan@example.nl, 6211 AB")
    -> "Ik ben [naam], bel [telefoon] of [e-mail], [postcode]"

What is masked (docs/PRIVACY.md): e-mail addresses, IBANs, phone numbers (Dutch
and international, with spaces, dashes or dots), Dutch postcodes with letters
("6211 AB", "6211ab"; the four digits alone say only the area and stay, the
assistant uses them to find a buurt), house addresses ("Straatweg 12"), other
long numbers (6+ digits: BSN, client numbers) and names after "ik ben",
"ik heet", "mijn naam is", "naam:", "groetjes", "met" at the start of a message.

The masking errs on the side of masking: "ik ben X" keeps X only when it is one
of the common words that follow "ik ben" (eenzaam, nieuw, op zoek ...); any
other word is treated as a name. Placeholders are in square brackets, so an
example that a coordinator labels can never be mistaken for Rasa's entity
markup "[text](entity)" (a placeholder is never followed by "(").
"""
from __future__ import annotations

import re

EMAIL = "[e-mail]"
PHONE = "[telefoon]"
POSTCODE = "[postcode]"
NAME = "[naam]"
NUMBER = "[nummer]"
ADDRESS = "[adres]"
IBAN = "[iban]"
PLACEHOLDERS = (EMAIL, PHONE, POSTCODE, NAME, NUMBER, ADDRESS, IBAN)

_EMAIL_RE = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{4}(?:\s?\d){10}\b", re.IGNORECASE)
# +31 6 12345678, 0031-43-1234567, 06-12345678, 043 123 45 67, (043) 1234567
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}[\s.\-]?(?:\(0\)[\s.\-]?)?\d(?:[\s.\-]?\d){6,11}\b"
    r"|(?<![\w+])\(?0\d{1,3}\)?(?:[\s.\-]?\d){6,8}\b"
)
_POSTCODE_RE = re.compile(r"\b[1-9]\d{3}\s?[a-zA-Z]{2}\b")
_LONG_NUMBER_RE = re.compile(r"\b\d(?:[\s.\-]?\d){5,}\b")
_STREETS = (
    "straat|laan|weg|plein|singel|steeg|pad|kade|dreef|hof|gracht|dijk|wal|markt|"
    "boulevard|allee|ring|park|veld|berg|baan"
)
_ADDRESS_RE = re.compile(
    rf"\b[A-Za-zÀ-ÿ'\-]+(?:{_STREETS})\s+\d{{1,4}}\s?[a-zA-Z]?\b", re.IGNORECASE
)

_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ'\-]+"
# Words that may follow a name introduction and are not part of the name.
_STOP_AFTER_NAME = {
    "en", "ik", "uit", "maar", "wil", "woon", "ben", "kom", "zoek", "heb", "in",
    "and", "i", "from", "bij", "op", "of", "die", "dat", "want", "dus", "hoe", "waar",
    "wat", "graag", "hier", "nu", "is", "was", "ook", "nog", "zou", "kan", "mag",
}
# "mijn naam is Anna de Vries", "ik heet Jan", "naam: Piet", "my name is ..."
_NAME_INTRO_RE = re.compile(
    rf"\b(mijn naam is|ik heet|naam\s*:|my name is|i am called|groetjes|groeten|gr\.?|"
    rf"vriendelijke groet|met vriendelijke groet|mvg)\s*,?\s+((?:{_WORD}[\s]*){{1,3}})",
    re.IGNORECASE,
)
# "ik ben Jan", "I'm Anna", "met Fatima" at the start of a message (the phone greeting)
_IK_BEN_RE = re.compile(
    rf"(\b(?:ik ben|i am|i'm|im)\s+|^\s*met\s+)({_WORD})((?:\s+{_WORD})?)", re.IGNORECASE
)
# Words that commonly follow "ik ben": not names. Anything else is masked.
_NOT_A_NAME = {
    "een", "de", "het", "geen", "niet", "nog", "al", "ook", "net", "heel", "erg", "zo", "te",
    "best", "wel", "echt", "soms", "vaak", "altijd", "nooit", "bijna", "pas", "nu", "hier",
    "daar", "er", "op", "in", "uit", "bij", "van", "met", "voor", "aan", "over", "zelf",
    "eenzaam", "alleen", "nieuw", "oud", "ouder", "jong", "ziek", "moe", "blij", "bang",
    "verdrietig", "somber", "depressief", "benieuwd", "geïnteresseerd", "geinteresseerd",
    "vrijwilliger", "mantelzorger", "student", "gepensioneerd", "weduwe", "weduwnaar",
    "moeder", "vader", "oma", "opa", "bezig", "verhuisd", "getrouwd", "gescheiden",
    "werkloos", "zoekende", "slecht", "goed", "gehandicapt", "doof", "blind", "zwanger",
    "inwoner", "bewoner", "buurtbewoner", "lid", "onderdeel", "statushouder", "nieuwkomer",
    "vluchteling", "dementerend", "vergeetachtig", "gestopt", "klaar", "thuis",
    "looking", "new", "lonely", "alone", "a", "an", "the", "not", "from", "here", "very",
    "so", "interested", "volunteer", "retired", "sick", "old",
}


def _mask_name_intro(match: "re.Match[str]") -> str:
    intro, rest = match.group(1), match.group(2)
    words = rest.split()
    masked_any = False
    kept: list[str] = []
    for index, word in enumerate(words):
        if word.lower().strip("'-") in _STOP_AFTER_NAME:
            kept = words[index:]
            break
        masked_any = True
    else:
        kept = []
    if not masked_any:
        return match.group(0)
    tail = (" " + " ".join(kept)) if kept else ""
    trailing = " " if rest.endswith((" ", "\n")) else ""
    return f"{intro} {NAME}{tail}{trailing}"


def _mask_ik_ben(match: "re.Match[str]") -> str:
    lead, word, second = match.group(1), match.group(2), match.group(3) or ""
    if word.lower() in _NOT_A_NAME:
        return match.group(0)
    # A second capitalised word is a surname ("ik ben Anna Jansen").
    second_word = second.strip()
    if second_word and second_word[:1].isupper() and second_word.lower() not in _NOT_A_NAME:
        return f"{lead}{NAME}"
    return f"{lead}{NAME}{second}"


def mask_personal_data(text: str) -> str:
    """`text` with personal data replaced by placeholders (see the module doc)."""
    if not text:
        return ""
    masked = _EMAIL_RE.sub(EMAIL, text)
    masked = _IBAN_RE.sub(IBAN, masked)
    masked = _PHONE_RE.sub(PHONE, masked)
    masked = _ADDRESS_RE.sub(ADDRESS, masked)
    masked = _POSTCODE_RE.sub(POSTCODE, masked)
    masked = _LONG_NUMBER_RE.sub(NUMBER, masked)
    masked = _NAME_INTRO_RE.sub(_mask_name_intro, masked)
    masked = _IK_BEN_RE.sub(_mask_ik_ben, masked)
    return masked
