"""Telegram channel: pure parsing, formatting, splitting, secret token, rate limits."""
from __future__ import annotations

import json

import pytest
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import RetryAfter

from bot.channels.common import ButtonRegistry, split_text, utf16_len
from bot.channels.telegram.channel import normalise_staff_outcome
from bot.channels.telegram.client import TelegramRateLimiter
from bot.channels.telegram.format import MAX_TEXT, format_message
from bot.channels.telegram.parse import (
    looks_like_command,
    parse_update,
    valid_secret_format,
    verify_secret_token,
)
from tests.fakes.harness import fixture


# --- incoming -------------------------------------------------------------
@pytest.mark.parametrize(
    "name, kind, reply_key",
    [
        ("update_text", "text", ""),
        ("update_start", "text", ""),
        ("update_location", "location", ""),
        ("update_venue", "location", ""),
        ("update_callback_query", "button", ""),
        ("update_voice", "reply", "channel_unsupported_voice"),
        ("update_sticker", "reply", "channel_unsupported_sticker"),
        ("update_photo", "reply", "channel_unsupported_photo"),
        ("update_document", "reply", "channel_unsupported_document"),
        ("update_video_note", "reply", "channel_unsupported_video"),
        ("update_contact", "reply", "channel_unsupported_other"),
        ("update_edited_message", "reply", "channel_edited"),
        ("update_group_text", "reply", "channel_group"),
        ("update_my_chat_member", "ignore", ""),
        ("update_channel_post", "ignore", ""),
        ("update_new_chat_members", "ignore", ""),
    ],
)
def test_parse_update_fixtures(name, kind, reply_key):
    event = parse_update(fixture("telegram", name))
    assert event.kind == kind
    assert event.reply_key == reply_key


def test_parse_update_reads_ids_and_location():
    event = parse_update(fixture("telegram", "update_location"))
    assert event.chat_id == 111222333 and event.user_id == 111222333
    assert event.update_id == 700000003
    assert (event.latitude, event.longitude) == (50.851368, 5.690973)
    callback = parse_update(fixture("telegram", "update_callback_query"))
    assert callback.text == "knop:0000000000"
    assert callback.callback_query_id == "4382bfdwdsb323b2d9"
    assert callback.message_id == 1001


def test_group_text_never_carries_text_to_the_nlu():
    event = parse_update(fixture("telegram", "update_group_text"))
    assert event.text == "" and event.kind == "reply"


@pytest.mark.parametrize(
    "update",
    [
        None,
        [],
        "x",
        5,
        {},
        {"update_id": "abc"},
        {"message": "x"},
        {"message": {}},
        {"message": {"chat": {}}},
        {"message": {"chat": {"id": 1, "type": "private"}}},
        {
            "update_id": 1,
            "message": {
                "chat": {"id": 1, "type": "private"},
                "from": {"id": 1},
                "location": {"latitude": "x"},
            },
        },
        {
            "update_id": 1,
            "message": {
                "chat": {"id": 1, "type": "private"},
                "from": {"id": 1},
                "location": {"latitude": 200, "longitude": 0},
            },
        },
        {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 3}}},
        {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 3}, "data": 7}},
        {
            "update_id": 3,
            "edited_message": {
                "chat": {"id": 4, "type": "private"},
                "from": {"id": 4},
                "location": {"latitude": 50, "longitude": 5},
            },
        },
        {
            "update_id": 4,
            "message": {
                "chat": {"id": 1, "type": "private"},
                "from": {"id": 1, "is_bot": True},
                "text": "hi",
            },
        },
        {"update_id": 5, "poll": {"id": "1", "question": "?", "options": []}},
    ],
)
def test_odd_updates_never_raise(update):
    event = parse_update(update)
    assert event.kind in {"text", "button", "location", "reply", "ignore"}


def test_invalid_location_gets_a_kind_reply_not_the_nlu():
    event = parse_update(
        {
            "update_id": 1,
            "message": {
                "chat": {"id": 1, "type": "private"},
                "from": {"id": 1},
                "location": {"latitude": 200, "longitude": 0},
            },
        }
    )
    assert event.kind == "reply" and event.reply_key == "channel_unsupported_other"


def test_commands_are_offered_to_the_staff_module_except_start():
    assert looks_like_command("/wachtrij")
    assert looks_like_command("/antwoord T-0042 Hallo mevrouw")
    assert not looks_like_command("wachtrij")
    assert not looks_like_command("/start")
    assert not looks_like_command("/start@ontmoet_test_bot")


def test_normalise_staff_outcome_shapes():
    assert normalise_staff_outcome(None) is None
    out = normalise_staff_outcome({"replies": "ok", "relays": [("te-abc", "hoi")]})
    assert out.replies == ["ok"] and out.relays == [("te-abc", "hoi")]
    out = normalise_staff_outcome((["a"], [{"resident": "wh-1", "text": "b"}]))
    assert out.replies == ["a"] and out.relays == [("wh-1", "b")]


# --- secret token -----------------------------------------------------------
def test_secret_token_verification():
    assert verify_secret_token("s3cret_-X", "s3cret_-X")
    assert not verify_secret_token("s3cret_-Y", "s3cret_-X")
    assert not verify_secret_token(None, "s3cret_-X")
    assert not verify_secret_token("", "s3cret_-X")
    assert not verify_secret_token("anything", "")  # nothing configured: refuse all
    assert valid_secret_format("abc_DEF-123")
    assert not valid_secret_format("met spatie")
    assert not valid_secret_format("x" * 257)


# --- splitting ----------------------------------------------------------------
def test_split_long_text_at_sentence_boundaries():
    text = " ".join(f"Dit is zin nummer {i}." for i in range(900))
    parts = split_text(text, MAX_TEXT, utf16_len)
    assert len(parts) > 1
    assert all(utf16_len(p) <= MAX_TEXT for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_split_counts_utf16_units_and_cuts_long_words():
    emoji = "\U0001F600" * 3000  # 6000 UTF-16 units, no spaces
    parts = split_text(emoji, MAX_TEXT, utf16_len)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == emoji
    assert split_text("kort", MAX_TEXT, utf16_len) == ["kort"]


def test_split_prefers_paragraphs():
    text = ("a" * 3000) + "\n\n" + ("b" * 3000)
    assert split_text(text, 4096) == ["a" * 3000, "b" * 3000]


# --- outgoing -------------------------------------------------------------------
def test_buttons_become_inline_tokens_for_that_resident_only():
    registry = ButtonRegistry()
    calls = format_message(
        {"text": "Kies", "buttons": [{"title": "Een plek", "payload": "/find_place"},
                                     {"title": "Vrijwilliger", "payload": "/volunteer"}]},
        registry, "te-anna",
    )
    assert [c.method for c in calls] == ["send_message"]
    markup = calls[0].kwargs["reply_markup"]
    assert isinstance(markup, InlineKeyboardMarkup)
    tokens = [row[0].callback_data for row in markup.inline_keyboard]
    assert all(t.startswith("knop:") and len(t.encode()) <= 64 for t in tokens)
    assert "/find_place" not in json.dumps(markup.to_dict())
    assert registry.resolve("te-anna", tokens[0]) == "/find_place"
    assert registry.resolve("te-bob", tokens[0]) is None


def test_location_button_becomes_request_location_keyboard():
    registry = ButtonRegistry()
    calls = format_message(
        {"text": "Waar bent u?", "buttons": [{"title": "Deel mijn locatie", "payload": "/share_location"},
                                              {"title": "Ik typ mijn buurt", "payload": "/type_buurt"}]},
        registry, "te-anna",
    )
    markup = calls[0].kwargs["reply_markup"]
    assert isinstance(markup, ReplyKeyboardMarkup)
    data = markup.to_dict()
    assert data["keyboard"][0][0] == {"text": "Deel mijn locatie", "request_location": True}
    assert data["keyboard"][1][0]["text"] == "Ik typ mijn buurt"
    assert data["one_time_keyboard"] is True
    # The other keyboard button comes back as its title and resolves to its payload.
    assert registry.resolve_title("te-anna", "ik typ mijn buurt") == "/type_buurt"


def test_long_reply_is_split_and_buttons_go_on_the_last_part():
    registry = ButtonRegistry()
    text = "Een zin over ontmoeten. " * 400
    calls = format_message({"text": text, "buttons": [{"title": "Ok", "payload": "/ok"}]}, registry, "te-a")
    assert len(calls) >= 2
    assert all(utf16_len(c.kwargs["text"]) <= MAX_TEXT for c in calls)
    assert "reply_markup" not in calls[0].kwargs
    assert "reply_markup" in calls[-1].kwargs


def test_verified_venue_goes_out_as_venue_with_demo_marker():
    venue = {"venue": {"name": "Huiskamer X", "address": "Straat 1", "latitude": 50.85,
                       "longitude": 5.69, "coordinates_verified": True, "demo": True}}
    calls = format_message({"custom": venue}, ButtonRegistry(), "te-a")
    assert calls[0].method == "send_venue"
    assert calls[0].kwargs["latitude"] == 50.85
    assert "voorbeeld" in calls[0].kwargs["title"]


def test_unverified_venue_goes_out_as_text_only():
    venue = {"venue": {"name": "Huiskamer Y", "address": "Straat 2", "latitude": 50.85,
                       "longitude": 5.69, "coordinates_verified": False}}
    calls = format_message({"custom": venue}, ButtonRegistry(), "te-a")
    assert [c.method for c in calls] == ["send_message"]
    assert calls[0].kwargs["text"] == "Huiskamer Y\nStraat 2"


def test_empty_message_sends_nothing():
    assert format_message({}, ButtonRegistry(), "te-a") == []
    assert format_message({"text": "  "}, ButtonRegistry(), "te-a") == []


# --- rate limiter ---------------------------------------------------------------
class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


async def _ok():
    return {"ok": True}


async def test_per_chat_rate_allows_a_short_burst_then_one_per_second():
    t = FakeTime()
    limiter = TelegramRateLimiter(clock=t.clock, sleep=t.sleep)
    sent_at = []

    async def send():
        sent_at.append(t.now)
        return {"ok": True}

    for _ in range(6):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 42}, None)
    gaps = [round(b - a, 3) for a, b in zip(sent_at, sent_at[1:], strict=False)]
    assert all(g < 0.1 for g in gaps[:2])  # a burst of three
    # then one a second on average: the 4th a second after the 1st, then 1 s apart
    assert sent_at[3] - sent_at[0] >= 1.0
    assert all(g >= 1.0 for g in gaps[3:])


async def test_global_rate_spreads_many_chats_to_thirty_a_second():
    t = FakeTime()
    limiter = TelegramRateLimiter(clock=t.clock, sleep=t.sleep)
    for chat in range(61):
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": chat + 1}, None)
    # 61 messages to 61 chats take at least two seconds.
    assert t.now - 1000.0 >= 2.0 - 1e-6


async def test_group_chats_limited_to_twenty_a_minute():
    t = FakeTime()
    limiter = TelegramRateLimiter(clock=t.clock, sleep=t.sleep)
    for _ in range(21):
        await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": -100123}, None)
    assert t.now - 1000.0 >= 60.0 - 1e-6


async def test_retry_after_is_honoured_then_request_succeeds():
    t = FakeTime()
    limiter = TelegramRateLimiter(clock=t.clock, sleep=t.sleep)
    calls = []

    async def flaky():
        calls.append(t.now)
        if len(calls) == 1:
            raise RetryAfter(7)
        return {"ok": True}

    result = await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 7.0


async def test_retry_after_gives_up_after_max_retries():
    t = FakeTime()
    limiter = TelegramRateLimiter(clock=t.clock, sleep=t.sleep, max_retries=2)

    async def always():
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert len([s for s in t.sleeps if s >= 1.0]) == 2


def test_updates_serialised_by_ptb_parse_the_same():
    """Long polling feeds `Update.to_dict()` (with PTB's default false flags)."""
    from telegram import Bot, Update

    bot = Bot("123456:TEST-token_abc")
    for name in ("update_text", "update_location", "update_voice", "update_contact",
                 "update_callback_query", "update_group_text", "update_new_chat_members"):
        raw = fixture("telegram", name)
        via_ptb = Update.de_json(raw, bot).to_dict()
        assert parse_update(via_ptb).kind == parse_update(raw).kind, name
        assert parse_update(via_ptb).reply_key == parse_update(raw).reply_key, name


def test_normalise_handoff_staff_reply():
    from bot.handoff.queue import Relay
    from bot.handoff.telegram_staff import StaffReply

    relay = Relay("T-0001", "telegram", "te-abc", None, "nl", "Tot morgen!")
    out = normalise_staff_outcome(StaffReply(("Verstuurd",), (relay,), pause=("te-abc",)))
    assert out.replies == ["Verstuurd"]
    assert out.relays == [relay]
    assert out.pause == ["te-abc"] and out.resume == []
