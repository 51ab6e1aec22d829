"""Toeleiding: the handoff queue from residents to the opbouwwerkers.

    models.py          tables ho_request, ho_note, ho_event; status and contact constants
    queue.py           HandoffQueue: create, status, cancel, claim, reply, close ...
    form.py            the resident's request form: reading and validating answers
    routing.py         staff roster (knowledge/data/opbouwwerkers.yml), notifications
    telegram_staff.py  opbouwwerkers' Telegram commands (over bot/staff/actions.py)
    runtime.py         HandoffRuntime: the parts bundled for service, actions, channels
    cli.py             `ontmoet queue ...` and `ontmoet staff ...`

The staff side is in bot/staff/: the staff actions every interface uses
(actions.py: claim, note, reply, live, close, release, with their side
effects), the dashboard, accounts and their tables. Resident texts are in
bot/catalogue.yml (keys handoff_*); staff texts in bot/handoff/staff_texts.yml.
"""
