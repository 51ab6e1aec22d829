"""Learning and monitoring (issue 21): the review queue of what went wrong,
knowledge gaps and the plan's indicators, privacy-first.

    collect.py      reads new tracker-store events into the tables below (masked)
    masking.py      personal data out of a message before it is stored
    review.py       the review queue: grouping, labelling, export to nlu_data format
    indicators.py   the plan's indicators per buurt / stadsdeel / month, suppressed
    charts.py       inline SVG bar charts (no JavaScript)
    models.py       the tables (migration 0004_insights); knowledge gaps: knowledge/gaps.py
    cli.py          `ontmoet insights ...`
    web.py          the coordinators' pages in the dashboard (/staff/inzicht)
"""
