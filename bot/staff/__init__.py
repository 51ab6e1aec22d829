"""The opbouwwerkers' side: the staff actions every interface uses (actions.py),
the web dashboard (dashboard.py), what all staff pages share (pages.py), accounts
and their retention (accounts.py) and their tables (models.py)."""
