"""The opbouwwerkers' side on the web: accounts (accounts.py), the dashboard (dashboard.py)
and what all staff pages share (pages.py)."""
