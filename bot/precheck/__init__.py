"""The subsidy check for Kracht van de Samenleving (issue 18, point 3), bot side.

The rules are applied in knowledge/precheck.py. Here:
  render.py  the answer, the checklist message to forward (plain text, no
             markdown) and the words of the print page, from bot/catalogue.yml
  store.py   the checklist behind the print link: an unguessable token, only its
             SHA-256 in the database (pc_checklist), a short expiry, erased with
             the resident's data
  web.py     GET /checklist/<token>: the printable page (Jinja2, autoescaped)
"""
