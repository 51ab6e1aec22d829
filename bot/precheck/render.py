"""The words of the subsidy check: every label comes from bot/catalogue.yml.

The message to forward is plain text: no *, _, ~ or ` (WhatsApp would turn them
into formatting), lines starting with "- " and "[ ] ", at most 4000 characters
(Telegram's limit is 4096; WhatsApp text messages the same).
"""
from __future__ import annotations

import re
from typing import Dict, List

from bot.catalogue import text
from knowledge.precheck import FOR_WHOM, FREQUENCY, KINDS, PEOPLE, SIMILAR, NearbyPlace, Precheck

MAX_CHARS = 4000
_VALUES = {"kind": KINDS, "for_whom": FOR_WHOM, "people": PEOPLE, "frequency": FREQUENCY,
           "similar": SIMILAR}


def value_word(question: str, value: str) -> str:
    """A button value in words ("senioren", "elke week"); the resident's own words stay."""
    if value in _VALUES.get(question, ()):
        return text(f"precheck_{question}_{value}")
    return value


def answer_words(result: Precheck) -> Dict[str, str]:
    a = result.answers
    return {"kind": value_word("kind", a.kind), "for_whom": value_word("for_whom", a.for_whom),
            "buurt": a.buurt, "people": value_word("people", a.people),
            "frequency": value_word("frequency", a.frequency),
            "similar": value_word("similar", a.similar)}


def place_words(place: NearbyPlace) -> str:
    name = place.name.replace("\u2019", "'")
    where = place.buurt or ""
    words = f"{name} ({where})" if where else name
    if place.is_demo:
        words += " " + text("channel_demo_marker")
    return words


def source_words(source: str) -> str:
    """A rule's source as a reader says it ("beleidsplan 3.1; 2.2"), from the data's notation."""
    if source.strip() == "not in seed":
        return text("precheck_source_none")
    words = re.sub(r"sourced-facts: Gemeente Maastricht \(predecessor regulation[^)]*\)",
                   text("precheck_source_predecessor"), source)
    words = re.sub(r"sourced-facts: Gemeente Maastricht \([^)]*\)", text("precheck_source_gemeente"), words)
    return re.sub(r"\bseed:\s*", text("precheck_source_seed") + " ", words)


def _plain(value: str) -> str:
    """No characters WhatsApp or Telegram would read as formatting."""
    for char in "*_~`":
        value = value.replace(char, "")
    return value


def _rule_line(rule_text: str, status: str) -> str:
    if status:
        return text("precheck_line_unconfirmed").format(status=status, text=rule_text)
    return text("precheck_line").format(text=rule_text)


def _similar_lines(result: Precheck) -> List[str]:
    buurt = result.answers.buurt
    if result.similar_situation == "found":
        places = "; ".join(place_words(p) for p in result.similar_places)
        lines = [text("precheck_similar_found").format(buurt=buurt, places=places)]
    elif result.similar_situation == "resident_knows":
        lines = [text("precheck_similar_resident")]
    else:
        lines = [text("precheck_similar_none").format(buurt=buurt)]
    if result.community_places:
        places = "; ".join(place_words(p) for p in result.community_places)
        lines.append(text("precheck_community").format(buurt=buurt, places=places))
    for plan in result.plans:
        lines.append(text("precheck_buurt_plan").format(buurt=buurt, development=plan.development,
                                                         how=plan.how))
    return lines


def summary_line(result: Precheck) -> str:
    return text("precheck_summary").format(**answer_words(result))


def answer_message(result: Precheck) -> str:
    """The answer: the plan in one line, the rules (unconfirmed ones marked), the places."""
    lines = [text("precheck_title"), summary_line(result), "", text("precheck_rules_heading")]
    lines += [_rule_line(r.text, r.status) for r in result.rules]
    lines += [""] + _similar_lines(result)
    lines += ["", result.check_with]
    return _plain("\n".join(lines))[:MAX_CHARS]


def checklist_message(result: Precheck) -> str:
    """The checklist the volunteer forwards or keeps (plain text)."""
    lines = [text("precheck_checklist_title"), summary_line(result), ""]
    for item in result.checklist:
        if item.status:
            lines.append(text("precheck_todo_unconfirmed").format(text=item.text, status=item.status))
        else:
            lines.append(text("precheck_todo").format(text=item.text))
    lines += ["", result.check_with]
    return _plain("\n".join(lines))[:MAX_CHARS]


def page_context(result: Precheck) -> Dict[str, object]:
    """What the print page shows (the template adds nothing but markup)."""
    words = answer_words(result)
    questions = [(text(f"precheck_page_q_{key}"), words[key])
                 for key in ("kind", "for_whom", "buurt", "people", "frequency", "similar")]
    return {
        "t": {key: text(f"precheck_page_{key}") for key in (
            "title", "intro", "answers", "rules", "places", "checklist", "source", "print",
            "kept", "lang")},
        "questions": questions,
        "summary": summary_line(result),
        "rules": [{"text": r.text, "status": r.status, "source": source_words(r.source)}
                  for r in result.rules],
        "similar": _similar_lines(result),
        "checklist": result.checklist,
        "check_with": result.check_with,
        "check_with_source": result.check_with_source,
    }
