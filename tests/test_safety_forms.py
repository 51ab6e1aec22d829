"""Always a way out (issue 7): every form of the domain (also forms added later)
has rules that set it aside for a crisis, loneliness, another language and
opnieuw/stop, a rule that answers help/menu inside it, and a test story for
the way out."""
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# intents for which every form must be set aside (a rule in any dialogue/ file;
# dialogue/safety.yml and dialogue/language.yml hold the ones for place_search_form)
REQUIRED = ["crisis", "crisis_check", "express_loneliness", "start_over", "other_language"]


def forms():
    return sorted(
        (yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}).get("forms") or {}
    )


def rules_setting_aside():
    """{(form, intent)} of rules: condition active_loop form, intent, action_deactivate_loop."""
    found = set()
    rules = []
    for path in sorted((ROOT / "dialogue").glob("**/*.yml")):
        rules += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []
    for rule in rules:
        loops = [c.get("active_loop") for c in rule.get("condition") or [] if "active_loop" in c]
        steps = rule.get("steps") or []
        if not loops or len(steps) < 2 or "intent" not in steps[0]:
            continue
        if steps[1].get("action") == "action_deactivate_loop":
            found.add((loops[0], steps[0]["intent"]))
    return found


def test_there_are_forms():
    assert "place_search_form" in forms()


@pytest.mark.parametrize("intent", REQUIRED)
def test_every_form_is_set_aside(intent):
    found = rules_setting_aside()
    missing = [form for form in forms() if (form, intent) not in found]
    assert not missing, f"dialogue/: add a rule that sets {missing} aside on intent {intent}"


def test_every_form_has_a_way_out_story():
    """A test story (any tests/*stories*.yml) leaves each form with start_over."""
    stories = []
    for path in sorted((ROOT / "tests").glob("*stories*.yml")):
        stories += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or []
    covered = set()
    for story in stories:
        steps = story["steps"]
        for i, step in enumerate(steps[:-1]):
            if step.get("intent") == "start_over" and i > 0:
                loops = [s.get("active_loop") for s in steps[:i] if "active_loop" in s]
                if loops and loops[-1]:
                    covered.add(loops[-1])
    missing = sorted(set(forms()) - covered)
    assert not missing, f"tests/: add a story that leaves {missing} with start_over"


def test_every_form_answers_help_and_menu():
    """'help' and 'menu' (intent help) inside any form show what the assistant can
    do and then the form asks again: a rule per form, in any dialogue/ file."""
    rules = []
    for path in sorted((ROOT / "dialogue").glob("**/*.yml")):
        rules += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []
    answered = set()
    for rule in rules:
        loops = [c.get("active_loop") for c in rule.get("condition") or [] if "active_loop" in c]
        steps = rule.get("steps") or []
        if (loops and len(steps) >= 3 and steps[0].get("intent") == "help"
                and steps[1].get("action") == "utter_help" and steps[2].get("action") == loops[0]):
            answered.add(loops[0])
    missing = sorted(set(forms()) - answered)
    assert not missing, f"dialogue/: add a rule that answers help inside {missing}"
