"""'Verwijder mijn gegevens': after a confirmation, erase the resident's data.

delete_my_data -> delete_data_form (one yes/no question) -> action_submit_delete_my_data:
  1. the handoff queue: HandoffQueue.delete_resident_data (open requests are
     withdrawn; every request keeps only anonymous facts for counts);
  2. the conversation in Rasa's tracker store: bot.privacy.erase_conversation_in_place
     (earlier sessions deleted, the current session overwritten in place so Rasa
     does not write it back when it saves this turn);
  3. the slots: AllSlotsReset, so nothing personal stays in the tracker state;
  4. the resident's reminders (bot/reminders/store.py, erase_resident);
  5. the service's own state (addresses, outbox, button tokens, WhatsApp pages,
     Redis keys): the erase marker after the reply (bot/channels/erasure.py).
The resident is told what was erased and what is kept how long (logs, backups).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.types import DomainDict

from actions.common import settings
from actions.handoff import _answering, _intent, _text, handoff_runtime
from bot.channels.erasure import erase_marker
from bot.handoff.form import yes_or_no

logger = logging.getLogger(__name__)


class ValidateDeleteDataForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_delete_data_form"

    async def extract_handoff_delete_confirm(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "handoff_delete_confirm"):
            return {}
        return {"handoff_delete_confirm": yes_or_no(_intent(tracker), _text(tracker)) or "?"}

    def validate_handoff_delete_confirm(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value is None:  # cleared, not answered
            return {}
        return {"handoff_delete_confirm": value if value in ("ja", "nee") else None}


def erase_resident(resident_key: str, queue, tracker_store_url: str) -> Dict[str, int]:
    """Erase queue data and the conversation of one resident; what was erased."""
    from bot.privacy import erase_conversation_in_place

    counts = dict(queue.delete_resident_data(resident_key))
    counts["events"] = erase_conversation_in_place(tracker_store_url, resident_key)
    counts.update(_erase_insights(queue.engine, resident_key))
    counts["reminders"] = _erase_reminders(queue.engine, resident_key)
    counts.update(_erase_checklists(queue.engine, resident_key))
    return counts


def _erase_reminders(engine, resident_key: str) -> int:
    """The resident's reminders (bot/reminders/), sent or not."""
    from sqlalchemy import inspect

    from bot.reminders.store import ReminderStore

    if not inspect(engine).has_table("rm_reminder"):
        return 0
    return ReminderStore(engine).erase_resident(resident_key)


def _erase_checklists(engine, resident_key: str) -> Dict[str, int]:
    """The printable checklists of the subsidy check (bot/precheck/store.py)."""
    from sqlalchemy import inspect

    from bot.precheck.store import ChecklistStore

    if not inspect(engine).has_table("pc_checklist"):
        return {}
    return {"checklists": ChecklistStore(engine).forget(resident_key)}


def _erase_insights(engine, resident_key: str) -> Dict[str, int]:
    """The resident's messages in the review queue (issue 21), if that table exists."""
    from sqlalchemy import inspect

    from bot.insights.review import erase_resident

    if not inspect(engine).has_table("ins_review_item"):
        return {}
    return erase_resident(engine, resident_key)


class ActionSubmitDeleteMyData(Action):
    def name(self) -> Text:
        return "action_submit_delete_my_data"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("handoff_delete_confirm") != "ja":
            dispatcher.utter_message(response="utter_delete_kept")
            return [SlotSet("handoff_delete_confirm", None)]
        try:
            counts = await asyncio.to_thread(
                erase_resident, tracker.sender_id, handoff_runtime().queue,
                settings().tracker_store_url_resolved,
            )
        except Exception:
            logger.exception("erasing a resident's data failed")
            dispatcher.utter_message(response="utter_delete_failed")
            return [SlotSet("handoff_delete_confirm", None)]
        config = settings()
        dispatcher.utter_message(
            response="utter_delete_done", events=counts.get("events", 0),
            requests=counts.get("requests", 0), cancelled=counts.get("cancelled", 0),
            notes=counts.get("notes", 0), log_days=config.log_retention_days,
            backup_days=config.backup_retention_days,
        )
        # after the reply: the service forgets this resident's address, waiting
        # messages, button tokens and pages too (bot/channels/erasure.py)
        dispatcher.utter_message(json_message=erase_marker())
        return [AllSlotsReset()]
