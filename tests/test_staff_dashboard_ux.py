"""The dashboard without Telegram (issue 19.2) and in plain Dutch (19.6):
counts and unread, the polling endpoint, Dutch labels, red errors, error pages."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.staff.dashboard import dashboard_app
from ontmoet_core.config import Settings
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    _sqlite_template,
    new_request,
    postgres_url,
    queue,
    sqlite_url,
    write_roster,
)
from tests.test_staff_dashboard import (  # noqa: F401  (fixtures and helpers)
    FAST_HASHER,
    _app_names,
    _sanic_test_mode,
    client,
    env,
    hidden,
    login,
)


class _VisibleText(HTMLParser):
    """What a person reads on the page: the text (and the title), no tags or attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# Words of the system that staff must never read on the dashboard.
SYSTEM_WORDS = re.compile(
    r"\b(in_contact|rest|REST|webchat|True|False|None|true|false|/antwoord|/oppakken|"
    r"subsidie_aanvraag|bel_mij|coordinator|opgepakt_|geannuleerd)\b")


async def stand(c, reference=None):
    r = await c.get("/staff/api/stand" + (f"?r={reference}" if reference else ""))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    return r.json()


def live_request_with_message(queue, text="Ja graag, donderdag om 14 uur is goed!"):
    ref = new_request(queue, resident_key="te-live").reference
    queue.claim(ref, "ow-west")
    queue.set_in_contact(ref, "ow-west", live=True)
    queue.record_resident_message("te-live", text)
    return ref


async def test_counts_new_and_unread_in_the_stand_and_the_tab_title(env):
    app, queue, _, _ = env
    first = new_request(queue).reference
    new_request(queue, resident_key="te-2", buurt="Malberg")
    new_request(queue, resident_key="te-3", buurt="Wyck", stadsdeel="Centrum")  # not West's
    live = live_request_with_message(queue)
    async with await client(app) as c:
        await login(c, "ow-west")
        got = await stand(c)
        assert (got["new"], got["unread"], got["count"]) == (2, 1, 3)
        page = (await c.get("/staff/")).text
        assert re.search(r"<title>\(3\) Wachtrij toeleiding", page)
        assert "Nieuw: 2" in page and "Ongelezen berichten: 1" in page
        assert re.search(rf'id="row-{live}"[^>]*>', page) and "nieuw bericht" in page
        # opening the request reads the message
        assert "donderdag om 14 uur" in (await c.get(f"/staff/r/{live}")).text
        assert (await stand(c))["unread"] == 0
        assert "nieuw bericht" not in (await c.get("/staff/")).text
        # the resident writes again: unread again, and the versions change
        before = await stand(c, live)
        queue.record_resident_message("te-live", "Tot donderdag!")
        after = await stand(c, live)
        assert after["unread"] == 1 and after["count"] == 3
        assert after["request"] != before["request"] and after["list"] != before["list"]
        # a new request in the werkgebied changes the list and the count
        queue.claim(first, "ow-west")
        claimed = await stand(c)
        assert claimed["new"] == 1 and claimed["list"] != after["list"]
        new_request(queue, resident_key="te-4", buurt="Daalhof")
        assert (await stand(c))["new"] == 2
    # the coordinator reads none of ow-west's messages: unread counts what one holds
    async with await client(app) as c:
        await login(c, "coord")
        assert (await stand(c))["unread"] == 0


async def test_stand_without_a_session_gives_no_data(env):
    app, queue, _, _ = env
    new_request(queue)
    async with await client(app) as c:
        r = await c.get("/staff/api/stand")
        assert r.status_code == 401 and r.json() == {"login": True}


async def test_refreshing_is_no_activity_the_idle_timeout_still_ends_the_session(env):
    app, queue, _, _ = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        queue.test_clock.advance(minutes=50)
        assert (await c.get("/staff/api/stand")).status_code == 200
        refreshed = await c.get(f"/staff/r/{ref}", headers={"X-Ontmoet-Refresh": "1"})
        assert refreshed.status_code == 200
        queue.test_clock.advance(minutes=15)  # 65 minutes since the last click
        assert (await c.get("/staff/api/stand")).status_code == 401
    async with await client(app) as c:
        await login(c, "ow-west")
        queue.test_clock.advance(minutes=50)
        assert (await c.get("/staff/")).status_code == 200  # a real visit counts
        queue.test_clock.advance(minutes=15)
        assert (await c.get("/staff/api/stand")).status_code == 200


async def test_stand_of_a_request_outside_the_werkgebied_says_nothing(env):
    app, queue, _, _ = env
    wyck = new_request(queue, buurt="Wyck", stadsdeel="Centrum").reference
    async with await client(app) as c:
        await login(c, "ow-west")
        assert (await stand(c, wyck))["request"] is None


async def test_pages_poll_with_a_script_the_csp_allows(env):
    app, queue, _, _ = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        for path, regions in (("/staff/", "queue-area"), (f"/staff/r/{ref}", "status timeline")):
            r = await c.get(path)
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "connect-src 'self'" in csp
            assert "unsafe-inline" not in csp
            scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
            assert scripts and all('src="/staff/static/dashboard.js"' in attrs and not body.strip()
                                   for attrs, body in scripts)  # nothing inline
            assert f'data-regions="{regions}"' in r.text
            # the page's version is what the polling will say while nothing changes
            watched = (await stand(c, ref))["request" if "/r/" in path else "list"]
            assert f'data-version="{watched}"' in r.text
            for region in regions.split():
                assert f'id="{region}"' in r.text
        js = await c.get("/staff/static/dashboard.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert "data-stand-url" in js.text and "replaceChild" in js.text


async def test_no_system_words_on_the_dashboard(env):
    """Every status, channel, kind, language and yes/no in Dutch words."""
    app, queue, _, relays = env
    refs = [
        new_request(queue, channel="rest", kind="subsidie_aanvraag", contact_method=None,
                    channel_address=None, language="en").reference,
        new_request(queue, resident_key="te-2", channel="webchat", contact_method="chat",
                    channel_address=None).reference,
        new_request(queue, resident_key="te-3", channel="whatsapp", contact_method="bel_mij",
                    channel_address=None, consent=True).reference,
        live_request_with_message(queue),
        new_request(queue, resident_key="te-5", consent=False, channel_address=None,
                    contact_method=None).reference,
        new_request(queue, resident_key="te-6").reference,
    ]
    queue.delete_resident_data("te-5")  # erased: no contact details any more
    queue.cancel(refs[5], "te-6")  # withdrawn by the resident
    queue.claim(refs[1], "ow-west")
    queue.reply(refs[1], "ow-west", "Ik bel u morgen.")
    queue.end_live(refs[3], "ow-west")
    queue.claim(refs[2], "ow-west")
    queue.close(refs[2], "ow-west")
    queue.test_clock.advance(hours=49)
    queue.escalate_overdue()
    async with await client(app) as c:
        await login(c, "coord")
        pages = {"lijst": (await c.get("/staff/?status=alle")).text}
        for ref in refs:
            pages[ref] = (await c.get(f"/staff/r/{ref}")).text
        csrf = hidden(pages[refs[1]])
        r = await c.post(f"/staff/r/{refs[5]}/close", data={"csrf_token": csrf, "confirm": "ja"})
        pages["flash"] = (await c.get(r.headers["location"])).text  # "de vraag is ingetrokken"
        pages["404"] = (await c.get("/staff/r/T-9999")).text
    for name, html in pages.items():
        text = visible_text(html)
        found = SYSTEM_WORDS.findall(text)
        assert not found, f"{name}: {found} in {text[:400]}"
    queue_area = visible_text(pages["lijst"].split('id="queue-area"', 1)[1])
    assert "in contact" in queue_area and "afgerond" in queue_area and "geëscaleerd" in queue_area
    detail = visible_text(pages[refs[0]])
    assert "website of app" in detail and "Engels" in detail and "hulp bij een subsidie" in detail
    assert "(nieuw → opgepakt)" in visible_text(pages[refs[1]])
    assert "(aan → uit)" in visible_text(pages[refs[3]])
    assert "alleen een bericht via het kanaal" in visible_text(pages[refs[4]])
    assert "de vraag is ingetrokken" in visible_text(pages["flash"])


async def test_errors_are_red_with_words_successes_are_not(env):
    app, queue, _, _ = env
    ref = new_request(queue).reference
    async with await client(app) as c:
        await login(c, "ow-west")
        csrf = hidden((await c.get(f"/staff/r/{ref}")).text)
        r = await c.post(f"/staff/r/{ref}/note", data={"csrf_token": csrf, "text": " "})
        page = (await c.get(r.headers["location"])).text
        assert re.search(r'<p class="flash error" role="alert" id="flash"><strong>Let op:</strong>'
                         r' Schrijf eerst een tekst.</p>', page)
        r = await c.post(f"/staff/r/{ref}/claim", data={"csrf_token": csrf})
        page = (await c.get(r.headers["location"])).text
        assert '<p class="flash" role="status" id="flash">U hebt deze vraag opgepakt.</p>' in page
        assert "Let op:" not in page
    async with await client(app) as c:
        r = await login(c, "ow-west", "fout-wachtwoord")
        assert 'class="flash error"' in r.text and "Let op:" in r.text


async def test_times_are_dutch_time_and_say_so(env):
    app, queue, _, _ = env
    winter = new_request(queue).reference  # 2 March 2026, 09:00 UTC = 10:00 in Maastricht
    queue.test_clock.advance(days=120)  # 30 June, summer time: 09:00 UTC = 11:00
    summer = new_request(queue, resident_key="te-2").reference
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get("/staff/")).text
        assert "02-03-2026 10:00" in page and "30-06-2026 11:00" in page
        assert "Alle tijden in Nederlandse tijd." in page
        detail = (await c.get(f"/staff/r/{summer}")).text
        assert "30-06-2026 11:00" in detail and "Nederlandse tijd" in detail
        assert winter in page


async def test_dutch_404_page_for_any_unknown_staff_address(env):
    app, _, _, _ = env
    async with await client(app) as c:
        for path in ("/staff/bestaat-niet", "/staff/r/T-0001/iets/anders", "/staff/static/x.js"):
            r = await c.get(path)
            assert r.status_code == 404, path
            assert "<h1>Pagina niet gevonden</h1>" in r.text and 'lang="nl"' in r.text
            assert r.headers["x-frame-options"] == "DENY"
            assert "content-security-policy" in r.headers
        await login(c, "ow-west")
        r = await c.get("/staff/r/T-9999")
        assert r.status_code == 404 and "bestaat niet of valt buiten uw werkgebied" in r.text
        assert (await c.get("/staff/")).status_code == 200  # the real pages still answer


async def test_dutch_500_page_without_a_stack_trace(queue, tmp_path, caplog):
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"))

    secret = "-".join(("secret", "host"))  # not in the source lines of the traceback

    def broken_queue():
        raise RuntimeError(f"database unreachable at {secret}")

    app = dashboard_app(settings, broken_queue, app_name=f"staff_test_{next(_app_names)}")
    async with await client(app) as c:
        for path in ("/staff/", "/staff/inzicht/"):  # the dashboard and the insight pages
            r = await c.get(path)
            assert r.status_code == 500, path
            assert "<h1>Er ging iets mis</h1>" in r.text and "Probeer het over een minuut" in r.text
            assert "Traceback" not in r.text and "secret-host" not in r.text
            assert r.headers["cache-control"] == "no-store"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "secret-host" not in logged  # no message in the log


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_read_marks_two_tabs_at_once(database, request):
    """Two tabs of one person opening the same request at the same moment: one
    inserts the mark, the other updates it; the unread state stays right."""
    import threading

    from bot.handoff.queue import HandoffQueue
    from bot.staff.reads import ReadMarks
    from ontmoet_core.db import make_engine

    if database == "postgres":
        request.applymarker(pytest.mark.postgres)
    url = request.getfixturevalue("postgres_url" if database == "postgres" else "sqlite_url")
    engine = make_engine(url)
    try:
        queue = HandoffQueue(engine)
        key = f"te-reads-{database}-{threading.get_ident()}"
        ref = new_request(queue, resident_key=key).reference
        queue.claim(ref, "ow-west")
        queue.set_in_contact(ref, "ow-west", live=True)
        queue.record_resident_message(key, "Hallo?")
        reads = ReadMarks(engine)
        assert reads.unread("ow-west", [ref]) == {ref}
        start = threading.Barrier(4)
        errors: list = []

        def open_tab():
            start.wait()
            try:
                reads.mark_seen("ow-west", ref)
            except Exception as exc:  # a thread's error would go unseen
                errors.append(exc)

        tabs = [threading.Thread(target=open_tab) for _ in range(4)]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join()
        assert errors == []
        assert reads.unread("ow-west", [ref]) == set()
        queue.record_resident_message(key, "Bent u er nog?")
        assert reads.unread("ow-west", [ref]) == {ref}
        assert reads.unread("ow-west2", [ref]) == {ref}  # per person
    finally:
        engine.dispose()
