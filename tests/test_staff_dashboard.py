"""The staff dashboard through Sanic's ASGI app: login, sessions, CSRF, access, actions."""
from __future__ import annotations

import re
from itertools import count

import httpx
import pytest
from argon2 import PasswordHasher

from bot.staff.accounts import AccountError, StaffAccounts
from bot.staff.dashboard import dashboard_app
from ontmoet_core.config import Settings
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    _sqlite_template,
    new_request,
    queue,
    sqlite_url,
    write_roster,
)

PASSWORD = "een-lang-wachtwoord"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_app_names = count()


@pytest.fixture
def env(queue, tmp_path):
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"))
    relays = []

    async def relay_sender(relay):
        relays.append(relay)
        return True

    def accounts_factory(engine, roster):
        return StaffAccounts(engine, roster, clock=queue.test_clock, hasher=FAST_HASHER)

    async def pauser(request, resident_key, paused):
        relays.append(("paused" if paused else "resumed", resident_key))

    app = dashboard_app(settings, lambda: queue, relay_sender=relay_sender,
                        accounts_factory=accounts_factory, assistant_pauser=pauser,
                        app_name=f"staff_test_{next(_app_names)}")
    accounts = accounts_factory(queue.engine, lambda: __import__(
        "tests.test_handoff_support", fromlist=["roster"]).roster())
    for username in ("ow-west", "ow-noord", "coord"):
        accounts.add(username, PASSWORD)
    return app, queue, accounts, relays


@pytest.fixture(autouse=True)
def _sanic_test_mode(monkeypatch):
    """What sanic-testing does, so several apps can start in one process; restored after."""
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)


async def client(app):
    await app._startup()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://testserver", follow_redirects=False)


def hidden(html: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


async def login(c, username, password=PASSWORD):
    page = await c.get("/staff/login")
    return await c.post("/staff/login", data={"username": username, "password": password,
                                              "csrf_token": hidden(page.text)})


async def test_anonymous_visitors_get_no_queue_data(env):
    app, queue, _, _ = env
    view = new_request(queue)
    async with await client(app) as c:
        for path in ("/staff/", f"/staff/r/{view.reference}"):
            r = await c.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/staff/login")
        r = await c.post(f"/staff/r/{view.reference}/claim", data={"csrf_token": "x"})
        assert r.status_code == 303 and "login" in r.headers["location"]
        page = (await c.get("/staff/login")).text
        for secret in (view.reference, "Mariaberg", "huiskamer"):
            assert secret not in page
    assert queue.get(view.reference).status == "nieuw"


async def test_wrong_password_and_rate_limit(env):
    app, _, _, _ = env
    async with await client(app) as c:
        r = await login(c, "ow-west", "verkeerd-wachtwoord")
        assert r.status_code == 401 and "klopt niet" in r.text
        r = await login(c, "bestaat-niet", "verkeerd-wachtwoord")
        assert r.status_code == 401
        for _ in range(4):
            await login(c, "ow-west", "verkeerd-wachtwoord")
        r = await login(c, "ow-west", PASSWORD)  # right password, but blocked now
        assert r.status_code == 429 and "Te veel pogingen" in r.text
        assert "ontmoet_staff=" not in r.headers.get("set-cookie", "").replace(
            "ontmoet_staff=;", "")


async def test_login_form_needs_its_csrf_token(env):
    app, _, _, _ = env
    async with await client(app) as c:
        await c.get("/staff/login")
        r = await c.post("/staff/login", data={"username": "ow-west", "password": PASSWORD,
                                               "csrf_token": "forged"})
        assert r.status_code == 403


async def test_session_cookie_flags_and_expiry(env):
    app, queue, _, _ = env
    async with await client(app) as c:
        r = await login(c, "ow-west")
        assert r.status_code == 303
        cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("ontmoet_staff=")][0]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
        assert (await c.get("/staff/")).status_code == 200
        queue.test_clock.advance(minutes=61)  # idle timeout
        r = await c.get("/staff/")
        assert r.status_code == 303 and "session_expired" in r.headers["location"]


async def test_opbouwwerker_sees_own_werkgebied_coordinator_all(env):
    app, queue, _, _ = env
    west = new_request(queue).reference
    wyck = new_request(queue, resident_key="te-2", buurt="Wyck", stadsdeel="Centrum").reference
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get("/staff/")).text
        assert west in page and wyck not in page
        assert (await c.get(f"/staff/r/{wyck}")).status_code == 404
        assert "huiskamer" in (await c.get(f"/staff/r/{west}")).text
        csrf = hidden((await c.get(f"/staff/r/{west}")).text)
        r = await c.post(f"/staff/r/{wyck}/claim", data={"csrf_token": csrf})
        assert "not_found" in r.headers["location"]
    assert queue.get(wyck).status == "nieuw"
    async with await client(app) as c:
        await login(c, "coord")
        page = (await c.get("/staff/?status=alle")).text
        assert west in page and wyck in page
        page = (await c.get("/staff/?area=Centrum")).text
        assert wyck in page and west not in page


async def test_actions_need_the_session_csrf_token(env):
    app, queue, _, _ = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        r = await c.post(f"/staff/r/{ref}/claim", data={"csrf_token": "forged"})
        assert "m=csrf" in r.headers["location"]
        r = await c.post(f"/staff/r/{ref}/claim", data={})
        assert "m=csrf" in r.headers["location"]
    assert queue.get(ref).status == "nieuw"


async def test_claim_note_reply_close_in_the_dashboard(env):
    app, queue, _, relays = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        detail = (await c.get(f"/staff/r/{ref}")).text
        csrf = hidden(detail)
        r = await c.post(f"/staff/r/{ref}/claim", data={"csrf_token": csrf})
        assert r.status_code == 303 and "m=claimed" in r.headers["location"]
        await c.post(f"/staff/r/{ref}/note", data={"csrf_token": csrf,
                                                   "text": "<script>alert(1)</script>"})
        r = await c.post(f"/staff/r/{ref}/reply", data={"csrf_token": csrf,
                                                        "text": "Ik bel u morgen."})
        assert "reply_delivered" in r.headers["location"]
        page = (await c.get(f"/staff/r/{ref}")).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
        assert "Ik bel u morgen." in page and "Opgepakt" in page
        assert 'class="delivery d-delivered">afgeleverd' in page
        r = await c.post(f"/staff/r/{ref}/close", data={"csrf_token": csrf, "confirm": "ja"})
        assert "m=closed" in r.headers["location"]
    assert [r.text for r in relays] == [f"Bericht van de opbouwwerker (vraag {ref}):\nIk bel u morgen."]
    view = queue.get(ref)
    assert view.status == "afgerond" and view.assigned_to == "ow-west"


async def test_second_claimer_is_told_who_has_it(env):
    app, queue, _, _ = env
    ref = new_request(queue, buurt="Wyck", stadsdeel="Centrum").reference
    queue.claim(ref, "ow-noord")
    async with await client(app) as c:
        await login(c, "coord")
        csrf = hidden((await c.get(f"/staff/r/{ref}")).text)
        r = await c.post(f"/staff/r/{ref}/claim", data={"csrf_token": csrf})
        assert "claim_lost" in r.headers["location"]
        page = (await c.get(r.headers["location"])).text
        assert "al opgepakt door Test Noord" in page


async def test_logout_ends_the_session(env):
    app, _, _, _ = env
    async with await client(app) as c:
        await login(c, "coord")
        page = (await c.get("/staff/")).text
        cookie = c.cookies.get("ontmoet_staff")
        await c.post("/staff/logout", data={"csrf_token": hidden(page)})
        c.cookies.set("ontmoet_staff", cookie, domain="testserver", path="/staff")
        assert (await c.get("/staff/")).status_code == 303


async def test_security_headers(env):
    app, _, _, _ = env
    async with await client(app) as c:
        r = await c.get("/staff/login")
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["cache-control"] == "no-store"


def test_accounts_hash_passwords_and_refuse_weak_ones(queue):
    from sqlalchemy import select

    from bot.staff.models import StaffAccount
    from tests.test_handoff_support import roster

    accounts = StaffAccounts(queue.engine, roster, hasher=FAST_HASHER)
    with pytest.raises(AccountError):
        accounts.add("ow-west", "kort")
    with pytest.raises(AccountError):
        accounts.add("iemand", PASSWORD)  # not in the roster and no werkgebied
    view = accounts.add("ow-west", PASSWORD)
    assert view.in_roster and view.werkgebied == "West"
    with pytest.raises(AccountError):
        accounts.add("ow-west", PASSWORD)
    with queue._sessions() as session:
        stored = session.execute(select(StaffAccount.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate("ow-west", PASSWORD).username == "ow-west"
    extra = accounts.add("extra", PASSWORD, role="opbouwwerker", stadsdelen=["Oost"])
    assert not extra.in_roster and extra.werkgebied == "Oost"
    accounts.set_active("extra", False)
    assert accounts.authenticate("extra", PASSWORD) is None


async def test_live_chat_from_the_dashboard_pauses_the_assistant(env):
    app, queue, _, calls = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        csrf = hidden((await c.get(f"/staff/r/{ref}")).text)
        await c.post(f"/staff/r/{ref}/claim", data={"csrf_token": csrf})
        r = await c.post(f"/staff/r/{ref}/live", data={"csrf_token": csrf})
        assert "live_started" in r.headers["location"]
        assert "live chat" in (await c.get(f"/staff/r/{ref}")).text
        await c.post(f"/staff/r/{ref}/close", data={"csrf_token": csrf, "confirm": "ja"})
    assert calls[0].text.startswith("U chat nu met een opbouwwerker")
    assert calls[1] == ("paused", "te-resident-1")
    assert "assistent" in calls[2].text
    assert calls[3] == ("resumed", "te-resident-1")


async def test_a_failed_pause_is_shown_to_the_opbouwwerker_and_left_for_the_retry(queue, tmp_path):
    """Issue 15.2: the dashboard says so when the assistant could not be paused;
    the queue keeps the pending pause for the service's loop."""
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"))

    async def relay_sender(relay):
        return True

    async def failing_pauser(request, resident_key, paused):
        return False

    def accounts_factory(engine, roster):
        return StaffAccounts(engine, roster, clock=queue.test_clock, hasher=FAST_HASHER)

    app = dashboard_app(settings, lambda: queue, relay_sender=relay_sender,
                        accounts_factory=accounts_factory, assistant_pauser=failing_pauser,
                        app_name=f"staff_test_{next(_app_names)}")
    accounts_factory(queue.engine, lambda: __import__(
        "tests.test_handoff_support", fromlist=["roster"]).roster()).add("ow-west", PASSWORD)
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        csrf = hidden((await c.get(f"/staff/r/{ref}")).text)
        await c.post(f"/staff/r/{ref}/claim", data={"csrf_token": csrf})
        r = await c.post(f"/staff/r/{ref}/live", data={"csrf_token": csrf})
        assert "m=sync_failed" in r.headers["location"]
        page = (await c.get(r.headers["location"].replace("http://testserver", ""))).text
        assert "probeert het opnieuw" in page
    assert queue.get(ref).assistant_sync == "pause"


async def test_a_crisis_signal_shows_in_the_timeline(env):
    app, queue, _, _ = env
    ref = new_request(queue).reference
    queue.flag_crisis("te-resident-1")
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get(f"/staff/r/{ref}")).text
    assert "wijst (113 en 112 gegeven)" in page


@pytest.mark.parametrize("outcome,flash,label", [
    ("waiting", "reply_waiting", "wacht tot de bewoner weer schrijft"),
    (False, "reply_not_delivered", "mislukt"),
])
async def test_a_reply_shows_its_honest_delivery_state(queue, tmp_path, outcome, flash, label):
    """Not "verstuurd" while a web chat resident has not fetched it, or the send failed."""
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"))

    async def relay_sender(relay):
        return outcome

    def accounts_factory(engine, roster):
        return StaffAccounts(engine, roster, clock=queue.test_clock, hasher=FAST_HASHER)

    app = dashboard_app(settings, lambda: queue, relay_sender=relay_sender,
                        accounts_factory=accounts_factory,
                        app_name=f"staff_test_{next(_app_names)}")
    accounts_factory(queue.engine, lambda: __import__(
        "tests.test_handoff_support", fromlist=["roster"]).roster()).add("ow-west", PASSWORD)
    ref = new_request(queue).reference
    queue.claim(ref, "ow-west")
    async with await client(app) as c:
        await login(c, "ow-west")
        csrf = hidden((await c.get(f"/staff/r/{ref}")).text)
        r = await c.post(f"/staff/r/{ref}/reply", data={"csrf_token": csrf, "text": "Hallo"})
        assert f"m={flash}" in r.headers["location"]
        page = (await c.get(r.headers["location"])).text
    assert f'class="delivery d-{outcome or "failed"}">{label}' in page
    assert "verstuurd" not in page
