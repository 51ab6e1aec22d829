"""Toeleiding: the handoff queue from residents to the opbouwwerkers.

    models.py          tables (ho_*), status and contact-method constants
    queue.py           HandoffQueue: create, status, cancel, claim, reply, close ...
    routing.py         staff roster (knowledge/data/opbouwwerkers.yml), notifications
    telegram_staff.py  opbouwwerkers' Telegram commands (pure logic)
    runtime.py         HandoffRuntime: the parts bundled for service, actions, channels
    cli.py             `ontmoet queue ...` and `ontmoet staff ...`

The dashboard is in bot/staff/. Resident texts are in bot/catalogue.yml
(keys handoff_*); staff texts in bot/handoff/staff_texts.yml.
"""
