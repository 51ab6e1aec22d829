"""Opt-in reminders (issue 18, point 1): stored with consent, sent once, on the
resident's own channel.

The generic API, for any part that agreed a moment with a resident (an activity,
an accompanied first visit):

    from bot.reminders.store import ReminderStore
    from bot.reminders.models import VISIT
    store = ReminderStore.from_url(settings.database_url_resolved)
    store.schedule(resident_key, channel, when, "reminder_visit",
                   {"moment": "donderdag 14:00", "place": "..."}, kind=VISIT,
                   event_at=moment, address=chat_address, language="nl")

`when` is when to send it, `event_at` the moment it is about (never sent after
it); the text key is one of bot/catalogue.yml, filled in with the parameters
when it is sent. The service sends it (bot/reminders/runtime.py); "mijn
herinneringen" / "stop herinneringen" list and stop it (actions/reminders.py);
"verwijder mijn gegevens" erases it.
"""
