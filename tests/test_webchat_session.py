"""Web-chat identity (issue 15, point 7): the conversation id is issued by the
server in an HttpOnly, SameSite cookie that expires; "nieuw gesprek" ends the
conversation on a shared computer."""
from __future__ import annotations

import json
from itertools import count

import httpx
import pytest
from sanic import Sanic

from bot.channels.common import ButtonRegistry, pseudonymise
from bot.channels.live import Outbox
from bot.channels.rest import CHAT_COOKIE, STATIC_DIR, WebChatInput, WebChatSessions, chat_page
from ontmoet_core.config import load_settings

KEY = "test-key-not-secret"
_names = count()


class Clock:
    def __init__(self):
        self.now = 1_764_600_000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def _sanic_test_mode(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def chat(tmp_path):
    clock = Clock()
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": KEY})
    outbox = Outbox()
    channel = WebChatInput(settings, ButtonRegistry(), outbox=outbox, clock=clock)
    seen = []

    async def assistant(message):
        seen.append(message.sender_id)
        message.output_channel.messages.append({
            "recipient_id": message.sender_id, "text": "Hallo!",
            "buttons": [{"title": "Ja", "payload": "/affirm"}]})

    app = Sanic(f"webchat_test_{next(_names)}")
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/webchat")
    return app, channel, seen, clock, outbox


async def client(app):
    await app._startup()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def say(c, text="hallo", sender=None):
    body = {"message": text}
    if sender is not None:
        body["sender"] = sender
    return await c.post("/webhooks/webchat/webhook", content=json.dumps(body))


def chat_cookie_header(response) -> str:
    return [v for k, v in response.headers.multi_items()
            if k == "set-cookie" and v.startswith(f"{CHAT_COOKIE}=")][0]


async def test_the_server_issues_the_conversation_id_in_an_httponly_samesite_cookie(chat):
    app, channel, seen, _, _ = chat
    async with await client(app) as c:
        r = await say(c, sender="iemand-anders")  # a sender in the body is ignored
        assert r.status_code == 200
        header = chat_cookie_header(r)
        for attribute in ("HttpOnly", "SameSite=Strict", "Max-Age=43200", "Path=/webhooks/webchat"):
            assert attribute in header, header
        chat_id = channel.sessions.verify(c.cookies.get(CHAT_COOKIE))
        assert chat_id and seen[0] == pseudonymise("webchat", chat_id, KEY.encode())
        assert seen[0] != pseudonymise("webchat", "iemand-anders", KEY.encode())
        assert all("recipient_id" not in reply for reply in r.json())  # id stays in the cookie
        await say(c, "nog een vraag")
        assert seen[1] == seen[0]  # the same conversation
    async with await client(app) as other:  # another browser, same body sender
        await say(other, sender="iemand-anders")
        assert seen[2] != seen[0]


async def test_a_forged_or_tampered_cookie_starts_a_new_conversation(chat):
    app, channel, seen, _, _ = chat
    async with await client(app) as c:
        await say(c)
        value = c.cookies.get(CHAT_COOKIE)
        chat_id, issued, signature = value.split(".")
        for forged in (f"{'A' * 24}.{issued}.{signature}", f"{chat_id}.{int(issued) + 5}.{signature}",
                       f"{chat_id}.{issued}.{'0' * 32}", "mijn-eigen-id", ""):
            c.cookies.clear()
            c.cookies.set(CHAT_COOKIE, forged, domain="testserver", path="/webhooks/webchat")
            await say(c)
            assert seen[-1] != seen[0], forged


async def test_the_cookie_expires_after_the_idle_time(chat):
    app, _, seen, clock, _ = chat
    async with await client(app) as c:
        await say(c)
        clock.now += 11 * 3600
        await say(c)
        assert seen[1] == seen[0]  # renewed on every message
        clock.now += 12 * 3600 + 1
        await say(c)
        assert seen[2] != seen[0]


async def test_the_inbox_is_read_with_the_cookie_only(chat):
    app, channel, seen, _, outbox = chat
    async with await client(app) as c:
        await say(c)
        chat_id = channel.sessions.verify(c.cookies.get(CHAT_COOKIE))
        outbox.put(seen[0], "Hallo, met Anna van het opbouwwerk")
        async with await client(app) as stranger:  # knows (or guessed) the id
            r = await stranger.get(f"/webhooks/webchat/inbox?sender={chat_id}")
            assert r.status_code == 200 and r.json() == []
        r = await c.get("/webhooks/webchat/inbox")
        assert [m["text"] for m in r.json()] == ["Hallo, met Anna van het opbouwwerk"]


async def test_nieuw_gesprek_ends_the_conversation_on_a_shared_computer(chat):
    app, channel, seen, _, outbox = chat
    async with await client(app) as c:
        r = await say(c)
        token = r.json()[0]["buttons"][0]["payload"]
        outbox.put(seen[0], "Bericht van de opbouwwerker")
        ended = await c.post("/webhooks/webchat/nieuw")
        assert ended.status_code == 200 and "gestopt" in ended.json()["text"]
        assert "Max-Age=0" in chat_cookie_header(ended)
        assert c.cookies.get(CHAT_COOKIE) in (None, "")
        assert channel.registry.resolve(seen[0], token) is None  # old buttons are dead
        assert outbox.take(seen[0]) == []
        await say(c)
        assert seen[1] != seen[0]  # the next person starts fresh


def test_cookie_values_are_signed_and_dated():
    clock = Clock()
    sessions = WebChatSessions(b"k", 3600, clock=clock)
    chat_id, value = sessions.issue()
    assert sessions.verify(value) == chat_id
    assert WebChatSessions(b"another key", 3600, clock=clock).verify(value) is None
    clock.now += 3601
    assert sessions.verify(value) is None


def test_the_page_has_the_button_and_keeps_nothing_in_the_browser():
    page = chat_page()
    assert 'id="new"' in page and "Nieuw gesprek" in page
    assert "{{" not in page
    # the page's script (its own file since the strict CSP, tests/test_webchat_csp.py):
    # only the display choices are stored in the browser, never the conversation
    script = (STATIC_DIR / "webchat.js").read_text(encoding="utf-8")
    assert '<script src="/webhooks/webchat/webchat.js">' in page
    assert script.count("localStorage.setItem(") == 1 and "localStorage.setItem(PREFS_KEY" in script
    assert "sender:" not in script
    assert "/webhooks/webchat/nieuw" in script


async def test_production_cookie_is_secure(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_ENV": "production",
                              "ONTMOET_PSEUDONYM_KEY": "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4f6a8b"})
    channel = WebChatInput(settings, ButtonRegistry(), outbox=Outbox())

    async def assistant(message):
        message.output_channel.messages.append({"text": "Hallo!"})

    app = Sanic(f"webchat_test_{next(_names)}")
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/webchat")
    async with await client(app) as c:
        r = await say(c)
        assert "Secure" in chat_cookie_header(r)


# --- issue 18, point 5: the welcoming web chat -------------------------------

def page_config(page: str) -> dict:
    start = page.index('<script type="application/json" id="config">') + len(
        '<script type="application/json" id="config">')
    return json.loads(page[start:page.index("</script>", start)])


async def test_a_new_conversation_opens_with_the_start_message_an_ongoing_one_does_not(chat):
    app, _, _, _, _ = chat
    async with await client(app) as c:
        first = await c.get("/webhooks/webchat/chat")
        assert page_config(first.text)["start"] == "hallo"  # greeting through the pipeline
        await say(c)
        again = await c.get("/webhooks/webchat/chat")
        assert page_config(again.text)["start"] == ""
        assert "Welkom terug" in page_config(again.text)["texts"]["nl"]["webchat_welcome_back"]


def test_the_page_texts_come_from_the_catalogue_in_dutch_and_english():
    from bot import catalogue
    from bot.channels.rest import PAGE_TEXTS

    page = chat_page()
    texts = page_config(page)["texts"]
    for key in PAGE_TEXTS:
        assert texts["nl"][key] == catalogue.text(key, "nl")
        assert texts["en"][key] == catalogue.text(key, "en") != texts["nl"][key]
    assert "Grotere letters" in page and "Hoog contrast" in page and "Deel mijn locatie" in page
    assert 'aria-pressed="false"' in page and 'role="log"' in page and '<label for="text"' in page


def test_page_json_cannot_close_its_script_element(monkeypatch):
    from bot import catalogue

    real = catalogue.text
    monkeypatch.setattr(catalogue, "text", lambda key, lang="nl": "</script><b>" + real(key, lang))
    page = chat_page()
    assert "</script><b>" not in page
    assert page_config(page)["texts"]["en"]["webchat_send"] == "</script><b>Send"


async def test_a_shared_location_reaches_the_nlu_as_the_channels_location_payload(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": KEY})
    channel = WebChatInput(settings, ButtonRegistry(), outbox=Outbox())
    texts = []

    async def assistant(message):
        texts.append(message.text)
        message.output_channel.messages.append({"text": "In de buurt:", "buttons": [
            {"title": "Deel mijn locatie", "payload": "/share_location"},
            {"title": "Ja", "payload": "/affirm"}]})

    app = Sanic(f"webchat_test_{next(_names)}")
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/webchat")
    async with await client(app) as c:
        r = await say(c, {"latitude": 50.85123, "longitude": 5.69087})
        assert texts == ['/inform_location{"lat": 50.851, "lon": 5.691}']
        # the page asks the browser for a location instead of sending this token
        assert [b.get("location", False) for b in r.json()[0]["buttons"]] == [True, False]
        # not a location: a resident cannot steer with other objects
        r = await say(c, {"latitude": "x", "longitude": 5.7})
        assert len(texts) == 1 and r.status_code == 200
        r = await say(c, {"latitude": 50.85, "longitude": 5.69, "intent": "x"})
        assert len(texts) == 1


async def test_answers_say_the_conversation_language_for_the_page_lang_attribute(chat):
    app, channel, seen, _, _ = chat

    class Tracker:
        def __init__(self, language):
            self.language = language

        def get_slot(self, name):
            return self.language if name == "language" else None

    class Store:
        language = None

        async def retrieve(self, sender_id):
            return Tracker(self.language) if sender_id in seen else None

    class Agent:
        tracker_store = Store()

    async with await client(app) as c:
        r = await say(c)
        assert r.headers["content-language"] == "nl"  # no agent (tests): Dutch
        app.ctx.agent = Agent()
        Agent.tracker_store.language = "en"
        r = await say(c, "hello")
        assert r.headers["content-language"] == "en"
        Agent.tracker_store.language = "<script>"
        r = await say(c, "hello")
        assert r.headers["content-language"] == "nl"

        async def broken(sender_id):
            raise ConnectionError("tracker store down")

        Agent.tracker_store.retrieve = broken
        r = await say(c, "hello")
        assert r.status_code == 200 and r.json()[0]["text"] == "Hallo!"
        assert r.headers["content-language"] == "nl"
