"""The shared frame of our rule-based NLU components (no training, no state).

A subclass implements `process_one(message)` and is registered with
`DefaultV1Recipe.register(...)` itself; `on_load()` runs once when the model is
loaded (for example to warm up a detector)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message


class RuleComponent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RuleComponent":
        cls.on_load()
        return cls(config)

    @classmethod
    def on_load(cls) -> None:
        """Hook: runs when the model is loaded."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.process_one(message)
        return messages

    @staticmethod
    def process_one(message: Message) -> Optional[str]:
        raise NotImplementedError
