"""WhatsApp channel: verification, signatures, parsing, the one formatter and its
20/24/3/10 limits, the 24-hour window."""
from __future__ import annotations

import json

import pytest

from bot.channels.common import ButtonRegistry
from bot.channels.whatsapp.client import window_open
from bot.channels.whatsapp.format import MORE_PAYLOAD, build_messages, interactive_for, template_message
from bot.channels.whatsapp.parse import parse_webhook, signature_for, verify_signature, verify_subscription
from tests.fakes.graph_api import _validate
from tests.fakes.harness import fixture

SECRET = "app-secret-for-tests"


# --- GET verification ---------------------------------------------------------
def test_subscription_answers_challenge_only_with_matching_token():
    good = {"hub.mode": "subscribe", "hub.verify_token": "mijn-token", "hub.challenge": "1158201444"}
    assert verify_subscription(good, "mijn-token") == "1158201444"
    assert verify_subscription({**good, "hub.verify_token": "fout"}, "mijn-token") is None
    assert verify_subscription({**good, "hub.mode": "unsubscribe"}, "mijn-token") is None
    assert (
        verify_subscription({k: v for k, v in good.items() if k != "hub.verify_token"}, "mijn-token") is None
    )
    assert verify_subscription(good, "") is None  # nothing configured: never
    # Sanic's request.args gives lists
    assert verify_subscription({k: [v] for k, v in good.items()}, "mijn-token") == "1158201444"


# --- POST signatures ------------------------------------------------------------
def test_signature_accepts_only_hmac_of_raw_body():
    body = json.dumps(fixture("whatsapp", "text")).encode()
    header = signature_for(body, SECRET)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(body, header, SECRET)
    assert verify_signature(body, header.upper().replace("SHA256=", "sha256="), SECRET)
    assert not verify_signature(body, signature_for(body, "other-secret"), SECRET)  # forged
    assert not verify_signature(body + b" ", header, SECRET)  # tampered body
    assert not verify_signature(body, None, SECRET)
    assert not verify_signature(body, "", SECRET)
    assert not verify_signature(body, header[7:], SECRET)  # no "sha256=" prefix
    assert not verify_signature(body, "sha1=" + header[7:], SECRET)
    assert not verify_signature(body, header, "")  # no secret configured: refuse


# --- parsing --------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, kind, reply_key",
    [
        ("text", "text", ""),
        ("interactive_button_reply", "button", ""),
        ("interactive_list_reply", "button", ""),
        ("location", "location", ""),
        ("template_quick_reply", "text", ""),
        ("image", "reply", "channel_unsupported_photo"),
        ("audio_voice", "reply", "channel_unsupported_voice"),
        ("sticker", "reply", "channel_unsupported_sticker"),
        ("document", "reply", "channel_unsupported_document"),
        ("contacts", "reply", "channel_unsupported_other"),
        ("unsupported", "reply", "channel_unsupported_other"),
        ("reaction", "ignore", ""),
        ("system", "ignore", ""),
    ],
)
def test_parse_fixtures(name, kind, reply_key):
    parsed = parse_webhook(fixture("whatsapp", name))
    (event,) = parsed.events
    assert (event.kind, event.reply_key) == (kind, reply_key)


def test_parse_reads_ids_tokens_and_location():
    (event,) = parse_webhook(fixture("whatsapp", "interactive_list_reply")).events
    assert event.text == "knop:0000000001" and event.wa_id == "31612345678"
    assert event.message_id.startswith("wamid.")
    (loc,) = parse_webhook(fixture("whatsapp", "location")).events
    assert (loc.latitude, loc.longitude) == (50.851368, 5.690973)
    assert len(parse_webhook(fixture("whatsapp", "two_messages")).events) == 2


@pytest.mark.parametrize("name", ["status_sent", "status_read", "status_failed"])
def test_statuses_never_become_messages(name):
    parsed = parse_webhook(fixture("whatsapp", name))
    assert parsed.events == []
    assert len(parsed.statuses) == 1


def test_other_phone_number_ids_are_skipped():
    assert parse_webhook(fixture("whatsapp", "text"), "999").events == []
    assert len(parse_webhook(fixture("whatsapp", "text"), "106540352242922").events) == 1


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "x",
        {},
        {"object": "page"},
        {"object": "whatsapp_business_account", "entry": "x"},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": []}]}]},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": [{"type": "text"}]}}]}],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messages": [
                                    {
                                        "from": "1",
                                        "id": "w",
                                        "type": "location",
                                        "location": {"latitude": "x"},
                                    }
                                ]
                            },
                        }
                    ]
                }
            ],
        },
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messages": [
                                    {
                                        "from": "1",
                                        "id": "w",
                                        "type": "interactive",
                                        "interactive": {"type": "nfm_reply"},
                                    }
                                ]
                            },
                        }
                    ]
                }
            ],
        },
    ],
)
def test_odd_bodies_never_raise(body):
    parsed = parse_webhook(body)
    assert all(e.kind in {"text", "button", "location", "reply", "ignore"} for e in parsed.events)


# --- the one formatter: 3 / 20 / 10 / 24 ------------------------------------------
def _choices(*titles):
    return [(t, f"knop:{i:010d}") for i, t in enumerate(titles)]


def test_three_short_titles_become_reply_buttons():
    msg = interactive_for("Kies", _choices("Een plek", "Vrijwilliger", "Subsidie"))
    assert msg["interactive"]["type"] == "button"
    assert len(msg["interactive"]["action"]["buttons"]) == 3
    assert _validate({"messaging_product": "whatsapp", "to": "1", **msg}) == ""


def test_twenty_characters_fit_a_button_twenty_one_do_not():
    twenty = "x" * 20
    assert interactive_for("Kies", _choices(twenty, "b"))["interactive"]["type"] == "button"
    msg = interactive_for("Kies", _choices("y" * 21, "b"))
    assert msg["interactive"]["type"] == "list"
    assert _validate({"messaging_product": "whatsapp", "to": "1", **msg}) == ""


def test_four_buttons_become_a_list():
    msg = interactive_for("Kies", _choices("a", "b", "c", "d"))
    assert msg["interactive"]["type"] == "list"
    rows = msg["interactive"]["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["a", "b", "c", "d"]


def test_duplicate_titles_are_not_reply_buttons():
    assert interactive_for("Kies", _choices("Ja", "ja"))["interactive"]["type"] == "list"


def test_long_row_titles_are_cut_to_24_with_the_full_title_in_the_description():
    long = "Buurtcentrum met een heel lange naam"
    msg = interactive_for("Kies", _choices(long, *"bcd"))
    row = msg["interactive"]["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) == 24 and row["title"].endswith("…")
    assert row["description"] == long
    assert _validate({"messaging_product": "whatsapp", "to": "1", **msg}) == ""


def test_ten_rows_fit_a_list_more_are_paged_behind_meer():
    registry = ButtonRegistry()
    ten = [{"title": f"Buurt {i}", "payload": f"/buurt{i}"} for i in range(10)]
    (msg,), paged = build_messages({"text": "Welke buurt?", "buttons": ten}, registry, "wh-a")
    assert paged is None
    assert len(msg["interactive"]["action"]["sections"][0]["rows"]) == 10

    twelve = [{"title": f"Buurt {i}", "payload": f"/buurt{i}"} for i in range(12)]
    (msg,), paged = build_messages({"text": "Welke buurt?", "buttons": twelve}, registry, "wh-a")
    rows = msg["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    assert [r["title"] for r in rows[:9]] == [f"Buurt {i}" for i in range(9)]
    assert rows[9]["title"] == "Meer keuzes"
    assert registry.resolve("wh-a", rows[9]["id"]) == MORE_PAYLOAD
    assert [b["title"] for b in paged.buttons] == ["Buurt 9", "Buurt 10", "Buurt 11"]
    assert _validate({"messaging_product": "whatsapp", "to": "1", **msg}) == ""


def test_button_ids_are_opaque_tokens_for_that_resident():
    registry = ButtonRegistry()
    (msg,), _ = build_messages({"text": "Kies", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
                               registry, "wh-a")
    token = msg["interactive"]["action"]["buttons"][0]["reply"]["id"]
    assert "/affirm" not in json.dumps(msg)
    assert registry.resolve("wh-a", token) == "/affirm"
    assert registry.resolve("wh-b", token) is None


def test_long_body_goes_first_as_text_then_the_choices():
    registry = ButtonRegistry()
    text = "Informatie over de subsidie. " * 60  # > 1024
    messages, _ = build_messages({"text": text, "buttons": [{"title": "Ja", "payload": "/affirm"}]},
                                 registry, "wh-a")
    assert messages[0]["type"] == "text"
    assert messages[-1]["type"] == "interactive"
    assert len(messages[-1]["interactive"]["body"]["text"]) <= 1024
    assert all(_validate({"messaging_product": "whatsapp", "to": "1", **m}) == "" for m in messages)


def test_location_button_becomes_a_location_request():
    messages, _ = build_messages(
        {"text": "Waar bent u?", "buttons": [{"title": "Deel mijn locatie", "payload": "/share_location"},
                                              {"title": "Mens spreken", "payload": "/request_handoff"}]},
        ButtonRegistry(), "wh-a")
    assert messages[0]["interactive"]["type"] == "location_request_message"
    assert messages[0]["interactive"]["body"]["text"] == "Waar bent u?"
    assert messages[1]["interactive"]["type"] == "button"
    assert all(_validate({"messaging_product": "whatsapp", "to": "1", **m}) == "" for m in messages)


def test_long_plain_text_is_split_at_4096():
    messages, _ = build_messages({"text": "Een zin. " * 1000}, ButtonRegistry(), "wh-a")
    assert len(messages) >= 2
    assert all(len(m["text"]["body"]) <= 4096 for m in messages)


def test_venue_only_as_pin_when_verified():
    venue = {"name": "Huiskamer X", "address": "Straat 1", "latitude": 50.85, "longitude": 5.69}
    (pin,), _ = build_messages({"custom": {"venue": {**venue, "coordinates_verified": True, "demo": True}}},
                               ButtonRegistry(), "wh-a")
    assert pin["type"] == "location" and "voorbeeld" in pin["location"]["name"]
    (text,), _ = build_messages({"custom": {"venue": venue}}, ButtonRegistry(), "wh-a")
    assert text["type"] == "text" and text["text"]["body"] == "Huiskamer X\nStraat 1"


# --- 24 hours ---------------------------------------------------------------------
def test_window_is_24_hours_with_a_margin():
    now = 1_800_000_000.0
    assert window_open(now - 23 * 3600, now)
    assert not window_open(now - 24 * 3600, now)
    assert not window_open(now - 25 * 3600, now)
    assert not window_open(None, now)


def test_template_flattens_the_opbouwwerker_text():
    msg = template_message("opbouwwerker_bericht", "nl", "Hallo mevrouw,\n\nIk bel u   morgen.\tGroet")
    param = msg["template"]["components"][0]["parameters"][0]["text"]
    assert param == "Hallo mevrouw, Ik bel u morgen. Groet"
    assert msg["template"]["name"] == "opbouwwerker_bericht"
    assert msg["template"]["language"] == {"code": "nl"}
    assert _validate({"messaging_product": "whatsapp", "to": "1", **msg}) == ""
