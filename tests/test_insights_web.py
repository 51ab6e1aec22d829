"""The insight pages through Sanic's ASGI app: only coordinators, CSRF, labelling."""
from __future__ import annotations

import datetime as dt

from bot.insights.models import ReviewItem
from tests.test_staff_dashboard import (  # noqa: F401  (fixtures)
    _sanic_test_mode,
    _sqlite_template,
    client,
    env,
    hidden,
    login,
    queue,
    sqlite_url,
)


def _item(engine, text="waar kan ik jeu de boules spelen"):
    with engine.begin() as connection:
        result = connection.execute(ReviewItem.__table__.insert().values(
            source_event=f"ev-{text}", resident_key="re-x", created_at=dt.datetime(2026, 11, 30),
            reason="fallback", text=text, predicted_intent="find_activity", confidence=0.3,
            status="nieuw"))
        return result.inserted_primary_key[0]


def _status(engine, item_id):
    with engine.connect() as connection:
        return connection.execute(ReviewItem.__table__.select().where(
            ReviewItem.__table__.c.id == item_id)).one()


async def test_only_coordinators_see_the_insight_pages(env):
    app, queue, _, _ = env
    async with await client(app) as c:
        for path in ("/staff/inzicht/", "/staff/inzicht/review"):
            response = await c.get(path)
            assert response.status_code == 303 and "/staff/login" in response.headers["location"]
        await login(c, "ow-west")
        for path in ("/staff/inzicht/", "/staff/inzicht/review"):
            response = await c.get(path)
            assert response.status_code == 403
            assert "alleen voor de coördinator" in response.text
        main = await c.get("/staff/")
        assert "/staff/inzicht/" not in main.text  # no link for an opbouwwerker
    async with await client(app) as c:
        await login(c, "coord")
        page = await c.get("/staff/inzicht/")
        assert page.status_code == 200 and 'id="indicators"' in page.text
        assert page.text.count("<svg") == 10
        assert "style=" not in page.text  # the CSP forbids inline styles
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "/staff/inzicht/" in (await c.get("/staff/")).text


async def test_labelling_needs_the_csrf_token_and_valid_training_text(env):
    app, queue, _, _ = env
    plain = _item(queue.engine)
    masked = _item(queue.engine, "ik ben [naam] en zoek jeu de boules")
    async with await client(app) as c:
        await login(c, "coord")
        page = await c.get("/staff/inzicht/review")
        assert "waar kan ik jeu de boules spelen" in page.text
        token = hidden(page.text)
        forged = await c.post(f"/staff/inzicht/review/{plain}/label",
                              data={"intent": "find_activity", "example": "x"})
        assert "m=csrf" in forged.headers["location"]
        assert _status(queue.engine, plain).status == "nieuw"
        refused = await c.post(f"/staff/inzicht/review/{masked}/label",
                               data={"intent": "find_activity", "csrf_token": token})
        assert "m=invalid" in refused.headers["location"]
        shown = await c.get(refused.headers["location"])
        assert "Vervang eerst wat is weggehaald" in shown.text
        assert _status(queue.engine, masked).status == "nieuw"
        done = await c.post(f"/staff/inzicht/review/{plain}/label",
                            data={"intent": "find_activity", "csrf_token": token,
                                  "example": "waar kan ik jeu de boules spelen in [Wyck](buurt)"})
        assert "m=labelled" in done.headers["location"]
        row = _status(queue.engine, plain)
        assert (row.status, row.label_intent, row.labelled_by) == ("gelabeld", "find_activity",
                                                                   "coord")
        await c.post(f"/staff/inzicht/review/{masked}/buiten", data={"csrf_token": token})
        assert _status(queue.engine, masked).status == "buiten_bereik"
        export = await c.post("/staff/inzicht/review/export", data={"csrf_token": token})
        assert export.status_code == 200
        assert "- waar kan ik jeu de boules spelen in [Wyck](buurt)" in export.text
        assert "[naam]" not in export.text
