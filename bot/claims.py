"""Every reply that names a number, an organisation or a promise, and what backs it.

Issue 16: a resident is told only what a source or a setting of the operator
supports. `find_claims()` lists the replies (domain responses and the resident
texts of bot/catalogue.yml) that name a number, an organisation or a promise;
`bot/claims.yml` says, per reply, what backs each of them; `check()` returns
every problem: a claim nobody listed, a listing that no longer matches the
reply, or a backing that does not hold:

    knowledge:FILE#PATH   the value at PATH in knowledge/data/FILE contains the
                          claim (PATH: dotted keys, `name=value` picks a list
                          item, e.g. topics.key=budget.text; for a CSV: a row
                          whose first column is the value)
    setting:FIELD         a field of ontmoet_core.config.Settings decides whether the reply
                          is said (the reply key is chosen in bot/handoff/promises.py
                          or bot/handoff/promises.person_offer_key)
    staff_file:demo       said only while the staff file is demo (a trial)
    code:FILE#NAME        a rule in the code that makes it true (e.g. the phone check)
    example:              an example of a format, with "bijvoorbeeld"/"for example"

`python -m bot.claims` prints the list (what the municipality can review).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "bot" / "claims.yml"
KNOWLEDGE = ROOT / "knowledge" / "data"

# what makes a reply a claim (case-insensitive); placeholders {..} are ignored
NUMBER = r"(?<![\w{])\d[\d .-]*\d(?![\w}])|(?<![\w{-])\d(?![\w}])"
ORGANISATIONS = (r"trajekt", r"maastricht doet", r"maastrichtdoet\.nl", r"luisterlijn", r"veilig thuis",
                 r"\b113\b")
PROMISES = (
    # someone else helps (the assistant's own "ik help u" is no promise)
    r"(opbouwwerkers?|een mens|iemand|community worker|a person|someone)"
    r"[^.?!]{0,40}?\b(helpt|helpen|help|helps)\b",
    r"contact met u op",
    r"neemt[^.?!]{0,40}contact",
    r"will contact",
    r"belt u",
    r"will call",
    r"meegaa",
    r"mee kan",
    r"meezoek",
    r"help you look",
    r"go with you",
    r"go along",
    r"tolk",
    r"interpreter",
    r"regelt",
    r"arrange",
    r"binnen ",
    r"werkdag",
    r"working day",
    r"hoort snel",
    r"hear from them soon",
    r"geeft [^.?!]{0,30}informatie",
    r"gives? information",
    r"workshops",
)
PATTERN = re.compile("|".join([NUMBER, *ORGANISATIONS, *PROMISES]), re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Reply:
    key: str  # response or catalogue key
    where: str  # domain.yml, bot/catalogue.yml
    variant: str  # "nl", "en" (or the condition value)
    text: str


@dataclass(frozen=True)
class Claim:
    reply: Reply
    span: Tuple[int, int]
    words: str


def replies() -> List[Reply]:
    """Every resident text: domain responses (each variant) and the catalogue (nl, en)."""
    found: List[Reply] = []
    doc = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    for key, variants in (doc.get("responses") or {}).items():
        for variant in variants:
            lang = next((c.get("value") for c in variant.get("condition") or []
                         if c.get("name") == "language"), "nl")
            found.append(Reply(key, "domain.yml", lang, variant.get("text") or ""))
            for button in variant.get("buttons") or []:
                found.append(Reply(key, "domain.yml", lang + ":button", button.get("title") or ""))
    catalogue = yaml.safe_load((ROOT / "bot" / "catalogue.yml").read_text(encoding="utf-8")) or {}
    for key, texts in catalogue.items():
        for lang in ("nl", "en"):
            if isinstance(texts, dict) and texts.get(lang):
                found.append(Reply(key, "bot/catalogue.yml", lang, texts[lang]))
    return found


def find_claims(texts: Optional[Iterable[Reply]] = None) -> List[Claim]:
    """Every place in a reply that names a number, an organisation or a promise."""
    claims = []
    for reply in texts if texts is not None else replies():
        masked = PLACEHOLDER.sub(lambda m: "#" * len(m.group()), reply.text)
        for match in PATTERN.finditer(masked):
            claims.append(Claim(reply, match.span(), reply.text[match.start():match.end()]))
    return claims


def load_registry(path: Path = REGISTRY) -> Dict[str, List[dict]]:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("replies") or {}


def _walk(value, path: str):
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, list):
            name, _, wanted = part.partition("=")
            value = next((item for item in value if str(item.get(name)) == wanted), None)
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
        if value is None:
            return None
    return value


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def backing_problem(backing: str, says: str, reply_key: str) -> Optional[str]:
    """None when `backing` supports `says`; else what is wrong."""
    kind, _, ref = backing.partition(":")
    ref = ref.strip()
    if kind == "knowledge":
        file_name, _, path = ref.partition("#")
        file_path = KNOWLEDGE / file_name
        if not file_path.exists():
            return f"{file_name} is not in knowledge/data"
        if file_name.endswith(".csv"):
            rows = [r for r in csv.reader(line for line in file_path.read_text(encoding="utf-8").splitlines()
                                          if not line.startswith("#"))]
            return None if any(r and r[0] == path for r in rows) else f"no row {path!r} in {file_name}"
        value = _walk(yaml.safe_load(file_path.read_text(encoding="utf-8")), path)
        if value is None:
            return f"nothing at {path!r} in {file_name}"
        return None if _norm(says) in _norm(value) else f"{file_name}#{path} does not say {says!r}"
    if kind == "setting":
        from ontmoet_core.config import ENV_VARS, Settings

        if ref not in Settings.__dataclass_fields__ or ref not in ENV_VARS.values():
            return f"{ref!r} is not a setting"
        chooser = (ROOT / "bot" / "handoff" / "promises.py").read_text(encoding="utf-8")
        if f'"{reply_key}"' not in chooser:
            return f"{reply_key} is not chosen by the settings in bot/handoff/promises.py"
        return None
    if kind == "staff_file":
        chooser = (ROOT / "bot" / "handoff" / "promises.py").read_text(encoding="utf-8")
        return None if f'"{reply_key}"' in chooser and "trial" in reply_key else \
            f"{reply_key} is not a trial reply chosen in bot/handoff/promises.py"
    if kind == "code":
        file_name, _, name = ref.partition("#")
        source = ROOT / file_name
        code = source.read_text(encoding="utf-8") if source.exists() else ""
        if f"def {name}(" not in code and not re.search(rf"^{name}\s*=", code, re.MULTILINE):
            return f"no function or constant {name} in {file_name}"
        value = str(says)
        if re.fullmatch(r"\d+", value) and not re.search(rf"^{name}\s*=\s*{value}\b", code, re.MULTILINE) \
                and f"def {name}(" not in code:
            return f"{name} in {file_name} is not {value}"
        return None
    if kind == "example":
        return None
    return f"unknown backing {backing!r}"


def check(registry: Optional[Dict[str, List[dict]]] = None) -> List[str]:
    """Every problem: unlisted claims, stale listings, backings that do not hold."""
    registry = load_registry() if registry is None else registry
    problems: List[str] = []
    used = set()
    all_replies = replies()
    for claim in find_claims(all_replies):
        entries = registry.get(claim.reply.key) or []
        lowered = claim.reply.text.lower()
        covered = False
        for index, entry in enumerate(entries):
            says = str(entry.get("says", "")).lower()
            start = lowered.find(says) if says else -1
            while start >= 0:
                if start <= claim.span[0] and claim.span[1] <= start + len(says):
                    covered = True
                    used.add((claim.reply.key, index))
                    break
                start = lowered.find(says, start + 1)
            if covered:
                break
        if not covered:
            problems.append(f"{claim.reply.where} {claim.reply.key} ({claim.reply.variant}): "
                            f"{claim.words!r} is not in bot/claims.yml")
    texts_by_key: Dict[str, List[Reply]] = {}
    for reply in all_replies:
        texts_by_key.setdefault(reply.key, []).append(reply)
    for key, entries in registry.items():
        for index, entry in enumerate(entries):
            says = str(entry.get("says", ""))
            if (key, index) not in used:
                problems.append(f"bot/claims.yml {key}: {says!r} no longer names a claim in the reply")
                continue
            backing = str(entry.get("backed_by", ""))
            problem = backing_problem(backing, str(entry.get("evidence", says)), key)
            if problem:
                problems.append(f"bot/claims.yml {key}: {says!r}: {problem}")
            if backing.startswith("example") and not any(
                    re.search(r"bijvoorbeeld|for example", r.text, re.IGNORECASE)
                    for r in texts_by_key.get(key, []) if says.lower() in r.text.lower()):
                problems.append(f"bot/claims.yml {key}: {says!r} is called an example but the reply "
                                f"does not say 'bijvoorbeeld'")
    return problems


def main() -> None:  # pragma: no cover - a listing for people
    registry = load_registry()
    for claim in find_claims():
        entries = registry.get(claim.reply.key) or []
        backing = next((e.get("backed_by") for e in entries
                        if str(e.get("says", "")).lower() in claim.reply.text.lower()
                        and claim.words.lower() in str(e.get("says", "")).lower()), "NOT BACKED")
        print(f"{claim.reply.where}\t{claim.reply.key}\t{claim.reply.variant}\t{claim.words}\t{backing}")


if __name__ == "__main__":  # pragma: no cover
    main()
