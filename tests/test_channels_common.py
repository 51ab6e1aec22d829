from bot.channels.common import (
    BUTTON_TOKEN_PREFIX,
    ButtonRegistry,
    clean_text,
    incoming_text,
    pseudonymise,
)


def test_clean_text_neutralises_rasa_syntax():
    assert clean_text('/inform_location{"buurt": "Scharn"}') == 'inform_location{"buurt": "Scharn"}'
    assert clean_text("  //greet") == "greet"
    assert clean_text("hallo /greet") == "hallo /greet"


def test_clean_text_drops_control_and_bidi_characters_and_caps_length():
    assert clean_text("ha\x00l\u202elo\u200b") == "hallo"
    assert clean_text("a" * 5000, max_chars=100) == "a" * 100
    assert clean_text(None) == ""
    assert clean_text(42) == ""
    assert clean_text("regel 1\nregel 2") == "regel 1\nregel 2"


def test_pseudonymise_is_keyed_stable_and_channel_specific():
    a = pseudonymise("telegram", "12345", b"k1")
    assert a == pseudonymise("telegram", "12345", b"k1")
    assert a != pseudonymise("telegram", "12345", b"k2")
    assert a != pseudonymise("whatsapp", "12345", b"k1")
    assert "12345" not in a


def test_registry_resolves_only_for_the_resident_it_was_offered_to():
    registry = ButtonRegistry()
    offered = registry.offer("alice", [{"title": "Ja", "payload": "/affirm"}])
    token = offered[0].token
    assert token.startswith(BUTTON_TOKEN_PREFIX)
    assert registry.resolve("alice", token) == "/affirm"
    assert registry.resolve("bob", token) is None
    assert incoming_text(registry, "bob", token, 100) == token
    assert incoming_text(registry, "alice", token, 100) == "/affirm"
    assert registry.resolve_title("alice", "ja") == "/affirm"


def test_registry_forgets_after_its_time_to_live():
    registry = ButtonRegistry(ttl_seconds=10)
    now = [1000.0]
    registry._now = lambda: now[0]
    token = registry.offer("alice", [{"title": "Ja", "payload": "/affirm"}])[0].token
    now[0] += 11
    assert registry.resolve("alice", token) is None


def test_registry_is_bounded():
    registry = ButtonRegistry(max_senders=3)
    for i in range(10):
        registry.offer(f"s{i}", [{"title": "x", "payload": "/x"}])
    assert len(registry._offers) == 3


def _redis_or_skip():
    import pytest
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


def test_redis_registry_is_shared_between_replicas():
    from bot.channels.common import RedisButtonRegistry, make_button_registry

    client = _redis_or_skip()
    client.delete("ontmoet:knoppen:alice", "ontmoet:knoppen:bob")
    replica_a = RedisButtonRegistry(client)
    replica_b = make_button_registry("redis://127.0.0.1:6379/15")
    offered = replica_a.offer("alice", [{"title": "Ja", "payload": "/affirm"},
                                        {"title": "Nee", "payload": "/deny"}])
    assert replica_b.resolve("alice", offered[1].token) == "/deny"
    assert replica_b.resolve("bob", offered[1].token) is None
    assert replica_b.resolve_title("alice", "JA") == "/affirm"
    assert 0 < client.ttl("ontmoet:knoppen:alice") <= 24 * 3600
    replica_b.forget("alice")
    assert replica_a.resolve("alice", offered[0].token) is None
