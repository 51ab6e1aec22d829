"""A faster check of the action server's answers, installed by the service.

Rasa 3.6 checks every action server response with `jsonschema.validate(result,
schema)`, which first validates Rasa's large events schema against the JSON
Schema meta-schema and builds a new validator, on every call, on the event
loop: about 13 ms per custom action on this machine, and 38 % of the service's
CPU under load (py-spy, docs/BENCHMARKS.md). The check itself is kept: the
schema is checked once and one validator is reused (0.4 ms). An invalid
response still raises the same `ValidationError`, with Rasa's hint appended.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

_installed = False


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Use the cached validator in RemoteAction (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result
    _installed = True
