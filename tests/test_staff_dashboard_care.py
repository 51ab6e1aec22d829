"""The dashboard's detail page for issue 19 (points 4 and 5): closing with a
confirmation, a closing note and a last message, reopening within the set
time, tap-to-call, contact attempts, the response clock and the resident's words."""
from __future__ import annotations

import re
from datetime import timedelta

from bot.handoff.models import HandoffRequest
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    _sqlite_template,
    new_request,
    queue,
    sqlite_url,
)
from tests.test_staff_dashboard import (  # noqa: F401  (fixtures)
    _sanic_test_mode,
    client,
    env,
    hidden,
    login,
)


async def test_closing_asks_first_then_keeps_a_note_and_sends_the_message(env):  # noqa: F811
    app, queue, _, relays = env
    ref = new_request(queue).reference
    queue.claim(ref, "ow-west")
    async with await client(app) as c:
        await login(c, "ow-west")
        detail = (await c.get(f"/staff/r/{ref}")).text
        assert f'href="/staff/r/{ref}/close"' in detail  # a link to the confirmation step
        csrf = hidden(detail)
        # a bare POST (no confirmation) closes nothing
        r = await c.post(f"/staff/r/{ref}/close", data={"csrf_token": csrf})
        assert r.headers["location"] == f"/staff/r/{ref}/close?m=close_confirm"
        assert queue.get(ref).status == "opgepakt"
        form = (await c.get(r.headers["location"])).text
        assert 'name="note"' in form and 'name="message"' in form and "Ja, afronden" in form
        assert "14 dagen heropenen" in form
        r = await c.post(f"/staff/r/{ref}/close", data={
            "csrf_token": hidden(form), "confirm": "ja", "note": "Samen koffie gedronken",
            "message": "Fijn dat we elkaar zagen!"})
        assert "m=closed" in r.headers["location"]
        page = (await c.get(f"/staff/r/{ref}")).text
    assert queue.get(ref).status == "afgerond"
    assert [r.text for r in relays] == [
        f"Bericht van de opbouwwerker (vraag {ref}):\nFijn dat we elkaar zagen!"]
    assert "Afsluitnotitie" in page and "Samen koffie gedronken" in page


async def test_someone_elses_request_has_no_close_step(env):  # noqa: F811
    app, queue, _, _ = env
    ref = new_request(queue).reference
    queue.claim(ref, "ow-west")
    async with await client(app) as c:
        await login(c, "ow-noord")  # Noord does not see West: not found
        assert (await c.get(f"/staff/r/{ref}/close")).status_code == 404
        await login(c, "coord")
        assert (await c.get(f"/staff/r/{ref}/close")).status_code == 200


async def test_reopen_within_the_set_time(env):  # noqa: F811
    app, queue, _, _ = env
    ref = new_request(queue).reference
    queue.claim(ref, "ow-west")
    queue.close(ref, "ow-west")
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get(f"/staff/r/{ref}")).text
        assert 'id="reopen"' in page and "kan tot 16-03-2026 10:00" in page
        r = await c.post(f"/staff/r/{ref}/reopen", data={"csrf_token": hidden(page)})
        assert "m=reopened" in r.headers["location"]
        assert queue.get(ref).status == "opgepakt"
        queue.close(ref, "ow-west")
        queue.test_clock.advance(days=15)
        await login(c, "ow-west")  # the session ended meanwhile
        page = (await c.get(f"/staff/r/{ref}")).text
        assert 'id="reopen"' not in page and "geen acties meer" in page
        r = await c.post(f"/staff/r/{ref}/reopen", data={"csrf_token": hidden(page)})
        assert "m=reopen_expired" in r.headers["location"]
    assert queue.get(ref).status == "afgerond"


async def test_phone_first_work(env):  # noqa: F811
    app, queue, _, _ = env
    ref = new_request(queue, contact_method="telefoon", contact_phone="06 12345678",
                      channel_address=None, reason="Ik wil graag\nsamen wandelen").reference
    queue.claim(ref, "ow-west")
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get(f"/staff/r/{ref}")).text
        assert 'href="tel:0612345678"' in page
        assert re.search(r'id="own-words">Ik wil graag\nsamen wandelen<', page)
        csrf = hidden(page)
        r = await c.post(f"/staff/r/{ref}/contact", data={"csrf_token": csrf,
                                                          "outcome": "niet_bereikt"})
        assert "m=contact_niet_bereikt" in r.headers["location"]
        await c.post(f"/staff/r/{ref}/contact", data={
            "csrf_token": csrf, "outcome": "afspraak", "text": "Donderdag 14 uur, Mariaberg"})
        page = (await c.get(f"/staff/r/{ref}")).text
    assert "Gebeld, niet bereikt" in page and "Afspraak gemaakt" in page
    assert "Donderdag 14 uur, Mariaberg" in page
    assert queue.get(ref).status == "in_contact"


async def test_the_age_against_the_promised_time(env):  # noqa: F811
    app, queue, _, _ = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get(f"/staff/r/{ref}")).text
        assert "zonder contact (beloofd: binnen 48 uur)" in page and 'id="overdue"' not in page
        assert "Nederlandse tijd" in page
        queue.test_clock.advance(hours=50)
        queue.escalate_overdue(after=timedelta(hours=48))
        await login(c, "ow-west")  # the session ended meanwhile
        page = (await c.get(f"/staff/r/{ref}")).text
        assert "2 dagen en 2 uur zonder contact" in page
        assert 'id="overdue"' in page and 'id="escalated"' in page
        queue.claim(ref, "ow-west")
        queue.reply(ref, "ow-west", "Ik bel u morgen")
        page = (await c.get(f"/staff/r/{ref}")).text
    assert "contact na 2 dagen en 2 uur" in page and 'id="overdue"' not in page


def test_the_whatsapp_number_is_the_number_to_call_back():
    from bot.handoff.texts import contact_number

    row = HandoffRequest(contact_method="bel_mij", channel="whatsapp",
                         channel_address="31612345678", contact_phone=None)
    assert contact_number(row) == "+31612345678"
    row.contact_method = "chat"
    assert contact_number(row) is None
