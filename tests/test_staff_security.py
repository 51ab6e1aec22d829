"""The dashboard behind its proxy (issue 15, point 6): client addresses with
trusted proxies, Secure cookies in production, login throttling that is counted
atomically and cannot lock colleagues out, staff-file removal, nginx example."""
from __future__ import annotations

import re
import threading
import time
from itertools import count
from pathlib import Path

import httpx
import pytest
import yaml
from argon2 import PasswordHasher

from bot.handoff.routing import RosterCache
from bot.staff.accounts import StaffAccounts, TooManyAttempts
from bot.staff.dashboard import client_address, dashboard_app
from ontmoet_core.config import Settings
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    ROSTER_DATA,
    _sqlite_template,
    postgres_url,
    queue,
    sqlite_url,
    write_roster,
)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "een-lang-wachtwoord"
WRONG = "verkeerd-wachtwoord"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_names = count()


@pytest.fixture(autouse=True)
def _sanic_test_mode(monkeypatch):
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)


def make_accounts(queue, roster_path, **kwargs):
    return StaffAccounts(queue.engine, RosterCache(roster_path), clock=queue.test_clock,
                         hasher=kwargs.pop("hasher", FAST_HASHER), **kwargs)


@pytest.fixture
def staff(queue, tmp_path):
    roster_path = write_roster(tmp_path / "staff.yml")
    accounts = make_accounts(queue, roster_path)
    for username in ("ow-west", "ow-noord", "coord"):
        accounts.add(username, PASSWORD)
    return accounts, roster_path


def app_for(queue, roster_path, tmp_path, **settings):
    config = Settings(var_dir=tmp_path, staff_file=roster_path, **settings)
    return dashboard_app(config, lambda: queue,
                         accounts_factory=lambda engine, roster: make_accounts(queue, roster_path),
                         app_name=f"staff_sec_{next(_names)}")


async def client(app, ip="10.1.2.3"):
    await app._startup()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 4000)),
                             base_url="http://testserver", follow_redirects=False)


async def login(c, username, password=PASSWORD, forwarded_for=None):
    page = await c.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    # sent by hand: a browser sends a Secure cookie over https to nginx, and the
    # service behind it sees plain http
    headers["Cookie"] = f"ontmoet_login_csrf={page.cookies.get('ontmoet_login_csrf') or token}"
    return await c.post("/staff/login", headers=headers,
                        data={"username": username, "password": password, "csrf_token": token})


# -- client address ---------------------------------------------------------------
def test_client_address_trusts_only_the_configured_proxies():
    assert client_address("127.0.0.1", "203.0.113.9", 0) == "127.0.0.1"
    assert client_address("127.0.0.1", "203.0.113.9", 1) == "203.0.113.9"
    # a visitor's own X-Forwarded-For entry stays to the left and is ignored
    assert client_address("127.0.0.1", "6.6.6.6, 203.0.113.9", 1) == "203.0.113.9"
    assert client_address("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2", 2) == "203.0.113.9"
    assert client_address("127.0.0.1", "", 1) == "127.0.0.1"  # bypassed the proxy
    assert client_address("127.0.0.1", "203.0.113.9", 2) == "127.0.0.1"


# -- throttling ------------------------------------------------------------------------
def test_a_guesser_cannot_lock_a_colleague_out_of_their_own_account(staff):
    accounts, _ = staff
    for _ in range(5):
        assert accounts.authenticate("ow-west", WRONG, remote="6.6.6.6") is None
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("ow-west", PASSWORD, remote="6.6.6.6")
    # the real ow-west, at the office, still gets in
    assert accounts.authenticate("ow-west", PASSWORD, remote="10.0.0.5").username == "ow-west"


def test_one_address_trying_many_accounts_is_blocked_and_only_that_address(staff):
    accounts, _ = staff
    for i in range(20):
        accounts.authenticate(f"naam-{i}", WRONG, remote="6.6.6.6")
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("ow-noord", PASSWORD, remote="6.6.6.6")
    assert accounts.authenticate("ow-noord", PASSWORD, remote="10.0.0.6") is not None


def test_guessing_from_many_addresses_blocks_new_addresses_but_not_known_ones(staff):
    accounts, _ = staff
    assert accounts.authenticate("coord", PASSWORD, remote="10.0.0.7") is not None  # known
    for i in range(50):
        assert accounts.authenticate("coord", WRONG, remote=f"6.6.{i}.1") is None
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("coord", PASSWORD, remote="6.6.200.1")
    assert accounts.authenticate("coord", PASSWORD, remote="10.0.0.7") is not None


def test_the_block_ends_after_the_window_even_when_the_guesser_keeps_trying(staff, queue):
    accounts, _ = staff
    for _ in range(5):
        accounts.authenticate("ow-west", WRONG, remote="6.6.6.6")
    for _ in range(10):
        queue.test_clock.advance(minutes=2)
        with pytest.raises(TooManyAttempts):
            accounts.authenticate("ow-west", WRONG, remote="6.6.6.6")
    queue.test_clock.advance(minutes=16)
    assert accounts.authenticate("ow-west", PASSWORD, remote="6.6.6.6") is not None


def test_concurrent_guesses_are_counted_atomically(queue, tmp_path):
    """20 guesses at the same moment: at most 5 get to the password check."""
    _concurrent_guesses(queue, tmp_path)


def test_concurrent_guesses_are_counted_atomically_on_postgresql(postgres_url, tmp_path):  # noqa: F811
    from bot.handoff.queue import HandoffQueue
    from ontmoet_core.db import make_engine
    from tests.test_handoff_support import Clock

    engine = make_engine(postgres_url)
    pg_queue = HandoffQueue(engine, clock=Clock())
    pg_queue.test_clock = pg_queue._clock
    try:
        _concurrent_guesses(pg_queue, tmp_path)
    finally:
        engine.dispose()


def _concurrent_guesses(queue, tmp_path):  # noqa: F811
    checked = []

    class SlowHasher(PasswordHasher):
        def verify(self, hash, password):
            checked.append(1)
            time.sleep(0.2)
            return super().verify(hash, password)

    roster_path = write_roster(tmp_path / "staff.yml")
    accounts = make_accounts(queue, roster_path,
                             hasher=SlowHasher(time_cost=1, memory_cost=1024, parallelism=1))
    accounts.add("ow-west", PASSWORD)
    barrier = threading.Barrier(20)
    outcomes = []

    def guess():
        barrier.wait()
        try:
            outcomes.append(accounts.authenticate("ow-west", WRONG, remote="6.6.6.6"))
        except TooManyAttempts:
            outcomes.append("blocked")

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20
    assert len(checked) <= 5, f"{len(checked)} guesses reached the password check"
    assert outcomes.count("blocked") >= 15


async def test_behind_the_proxy_colleagues_do_not_share_one_address(staff, queue, tmp_path):
    """Every request comes from nginx (127.0.0.1); with ONTMOET_TRUSTED_PROXIES=1 the
    visitor's address comes from X-Forwarded-For, so one guesser does not block all."""
    _, roster_path = staff
    app = app_for(queue, roster_path, tmp_path, trusted_proxies=1)
    async with await client(app, ip="127.0.0.1") as c:
        for i in range(21):
            await login(c, f"naam-{i}", WRONG, forwarded_for="6.6.6.6")
        blocked = await login(c, "ow-west", PASSWORD, forwarded_for="6.6.6.6")
        assert blocked.status_code == 429
        colleague = await login(c, "ow-west", PASSWORD, forwarded_for="6.6.6.6, 10.0.0.5")
        assert colleague.status_code == 303


# -- cookies ----------------------------------------------------------------------------
async def test_session_cookie_is_secure_in_production_even_over_plain_http(staff, queue, tmp_path):
    _, roster_path = staff
    app = app_for(queue, roster_path, tmp_path, environment="production")
    async with await client(app) as c:
        r = await login(c, "ow-west")
        assert r.status_code == 303
        cookie = [v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith("ontmoet_staff=")][0]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    dev = app_for(queue, roster_path, tmp_path)
    async with await client(dev) as c:
        r = await login(c, "ow-noord")
        cookie = [v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith("ontmoet_staff=")][0]
        assert "Secure" not in cookie  # local http trial keeps working


# -- staff file ---------------------------------------------------------------------------
async def test_removed_from_the_staff_file_means_no_dashboard(staff, queue, tmp_path):
    accounts, roster_path = staff
    app = app_for(queue, roster_path, tmp_path)
    async with await client(app) as c:
        assert (await login(c, "ow-west")).status_code == 303
        assert (await c.get("/staff/")).status_code == 200
        data = yaml.safe_load(roster_path.read_text())
        data["opbouwwerkers"] = [p for p in data["opbouwwerkers"] if p["username"] != "ow-west"]
        time.sleep(0.01)
        roster_path.write_text(yaml.safe_dump(data, allow_unicode=True))
        r = await c.get("/staff/")
        assert r.status_code == 303 and "/staff/login" in r.headers["location"]
        assert (await login(c, "ow-west")).status_code == 401
    # an account made on purpose outside the staff file keeps working
    extra = accounts.add("extra", PASSWORD, role="opbouwwerker", stadsdelen=["Oost"])
    assert extra.in_roster is False
    assert accounts.authenticate("extra", PASSWORD, remote="10.0.0.8") is not None


# -- deploy files -----------------------------------------------------------------------
def test_nginx_example_lets_only_the_office_reach_the_dashboard():
    conf = (ROOT / "deploy" / "nginx" / "ontmoet.conf").read_text()
    lines = [line.split("#", 1)[0].strip() for line in conf.splitlines()]
    code = "\n".join(lines)
    block = re.search(r"location /staff/ \{(.*?)\n\s*\}", code, re.S).group(1)
    assert re.search(r"^allow \S+;", block, re.M), "no allow rule for /staff/"
    assert re.search(r"^deny all;", block, re.M)
    assert "allow all" not in block
    assert "$proxy_add_x_forwarded_for" in code
    env = (ROOT / "deploy" / "ontmoet.env.example").read_text()
    assert re.search(r"^ONTMOET_TRUSTED_PROXIES=1$", env, re.M)
    assert re.search(r"^ONTMOET_ENV=production$", env, re.M)
