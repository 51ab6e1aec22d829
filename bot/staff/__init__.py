"""The opbouwwerkers' side on the web: accounts (accounts.py) and the dashboard (dashboard.py)."""
