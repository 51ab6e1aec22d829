"""Opt-in reminders, the resident's side (issue 18 point 1). Thin: the logic is in
bot/reminders/ (store, activity plans); the words in domain.yml.

  after an activity answer (actions/places.py): "Wilt u een herinnering?" Ja/Nee
  /want_reminder{"reminder_pick": ...}  -> action_ask_reminder_hour  (also an hour before?)
  /reminder_hour{"reminder_hour": ja|nee} -> action_schedule_reminder (stored with consent)
  "mijn herinneringen"                   -> action_list_reminders (with stop buttons)
  "stop herinneringen"                   -> action_stop_reminders (all, or one by its button)
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import display_name, knowledge_base, response_text, settings
from bot.reminders.activity import (
    button_title,
    find_occurrence,
    group_upcoming,
    local_moment,
    offer_buttons,
    parse_ids,
    pick_token,
    plan_activity,
    stop_payload,
)

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def reminder_store():
    """The ReminderStore of this action server (opened lazily, on first use)."""
    from bot.reminders.store import ReminderStore

    return ReminderStore.from_url(settings().database_url_resolved)


def _now() -> datetime:
    from knowledge import when

    return when.current_time()


def _language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "nl"


def _place(occurrence) -> str:
    return display_name(occurrence.place_name) + (f" ({occurrence.buurt})" if occurrence.buurt else "")


def offer_reminder(dispatcher: CollectingDispatcher, domain: DomainDict, found,
                   language: str = "nl", reading_level: str = "b1") -> None:
    """After an activity answer: ask whether the resident wants a reminder
    (only for activities whose reminder moment is still ahead). The buttons'
    words follow the conversation's language and reading level (slots)."""
    now = _now()
    offered = [occ for occ in found if plan_activity(occ, now, True, "")]
    if not offered:
        return
    tokens_titles = [(pick_token(occ), f"{occ.start.strftime('%d-%m')} {occ.title}")
                     for occ in offered]
    buttons = offer_buttons(tokens_titles,
                            yes=response_text(domain, "utter_reminder_button_yes", lang=language,
                                              reading_level=reading_level),
                            no=response_text(domain, "utter_reminder_button_no", lang=language,
                                             reading_level=reading_level))
    key = "utter_reminder_offer" if len(offered) == 1 else "utter_reminder_offer_which"
    dispatcher.utter_message(response=key, buttons=buttons)


class ActionAskReminderHour(Action):
    def name(self) -> Text:
        return "action_ask_reminder_hour"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        token = next(tracker.get_latest_entity_values("reminder_pick"), None)
        occurrence = find_occurrence(knowledge_base(), token)
        if occurrence is None or not plan_activity(occurrence, _now(), True, ""):
            dispatcher.utter_message(response="utter_reminder_unknown")
            return [SlotSet("reminder_pick", None)]
        if tracker.get_latest_input_channel() == "whatsapp":
            # a wa_id is a phone number: said before it is kept (only after the last choice)
            dispatcher.utter_message(response="utter_reminder_whatsapp_number")
            if not settings().whatsapp_reminder_template_name:
                dispatcher.utter_message(response="utter_reminder_whatsapp_window")
        dispatcher.utter_message(response="utter_reminder_ask_hour")
        return [SlotSet("reminder_pick", token)]


class ActionScheduleReminder(Action):
    def name(self) -> Text:
        return "action_schedule_reminder"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        language = _language(tracker)
        hour = next(tracker.get_latest_entity_values("reminder_hour"), None) == "ja"
        occurrence = find_occurrence(knowledge_base(), tracker.get_slot("reminder_pick"))
        if occurrence is None:
            dispatcher.utter_message(response="utter_reminder_unknown")
            return [SlotSet("reminder_pick", None)]
        planned = plan_activity(occurrence, _now(), hour, _place(occurrence),
                                settings().reminder_day_before_hour, language)
        if not planned:
            dispatcher.utter_message(response="utter_reminder_too_late")
            return [SlotSet("reminder_pick", None)]
        channel = tracker.get_latest_input_channel() or "rest"
        store = reminder_store()
        moments = []
        try:
            for kind, due, params in planned:
                store.schedule(tracker.sender_id, channel, due, f"reminder_{kind}", params,
                               kind=kind, event_at=occurrence.start,
                               subject=occurrence.activity_key, language=language)
                moments.append(response_text(domain, "utter_reminder_moment", lang=language,
                                             **local_moment(due, language)))
        except Exception:
            logger.exception("storing a reminder failed")
            dispatcher.utter_message(response="utter_reminder_failed")
            return [SlotSet("reminder_pick", None)]
        joiner = " and " if language == "en" else " en "
        dispatcher.utter_message(response="utter_reminder_set", title=occurrence.title,
                                 moments=joiner.join(moments))
        return [SlotSet("reminder_pick", None)]


def _group_line(domain: DomainDict, group, language: str) -> str:
    first = group[0]
    params: Dict[str, Any] = dict(first.params)
    event = local_moment(first.event_at, language)
    title = params.get("title") or params.get("moment") or ""
    if params.get("demo") and "voorbeeld" not in title:
        title += " (voorbeeld)"
    sends = [response_text(domain, "utter_reminder_moment", lang=language,
                           **local_moment(v.due_at, language)) for v in group]
    joiner = " and " if language == "en" else " en "
    return response_text(domain, "utter_reminder_line", lang=language, title=title,
                         moments=joiner.join(sends), **event)


class ActionListReminders(Action):
    def name(self) -> Text:
        return "action_list_reminders"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        language = _language(tracker)
        now = _now().astimezone(timezone.utc).replace(tzinfo=None)
        groups = group_upcoming(reminder_store().upcoming(tracker.sender_id, now=now))
        if not groups:
            dispatcher.utter_message(response="utter_reminders_none")
            return []
        lines = "\n".join(_group_line(domain, g, language) for g in groups)
        stop_one = response_text(domain, "utter_reminder_button_stop", lang=language)
        buttons = [{"title": button_title(f"{stop_one}: {g[0].params.get('title') or ''}"),
                    "payload": stop_payload(g)} for g in groups[:9]]
        buttons.append({"title": response_text(domain, "utter_reminder_button_stop_all",
                                               lang=language), "payload": "/stop_reminders"})
        dispatcher.utter_message(response="utter_reminders_list", reminders=lines,
                                 buttons=buttons)
        return []


class ActionStopReminders(Action):
    def name(self) -> Text:
        return "action_stop_reminders"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> List[EventType]:
        ids = parse_ids(next(tracker.get_latest_entity_values("reminder_id"), None))
        stopped = reminder_store().stop(tracker.sender_id, ids=ids)
        if not stopped:
            dispatcher.utter_message(response="utter_reminders_none")
        elif ids is not None:
            dispatcher.utter_message(response="utter_reminders_stopped_one")
        else:
            dispatcher.utter_message(response="utter_reminders_stopped_all", count=stopped)
        return []
