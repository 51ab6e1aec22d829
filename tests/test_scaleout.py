"""Scale-out: two `ontmoet serve` replicas share one PostgreSQL and one Redis.

The production layout on one machine (docs/DEPLOYMENT.md): PostgreSQL as
tracker store, handoff queue and knowledge database; Redis as lock store and
button registry; one action server. A resident's messages alternate between
replica A and replica B (as a round-robin proxy would send them) and must make
one consistent conversation, each message answered exactly once.
"""
from __future__ import annotations

import concurrent.futures
import uuid
from contextlib import ExitStack

import pytest

from tests.conftest import (
    API_TOKEN,
    ActionServer,
    ServiceProcess,
    post_message,
    reply_text,
    require_test_model,
    tracker_of,
)

pytestmark = [pytest.mark.model, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/0"
PSEUDONYM_KEY = "scaleout-key-not-secret"


@pytest.fixture(scope="module")
def shared_stores():
    """A throwaway PostgreSQL database and the local Redis, or skip."""
    from sqlalchemy.exc import OperationalError

    from tests.postgres import throwaway_postgres

    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        pytest.skip(f"Redis on 127.0.0.1:6379 unreachable: {exc}")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres("ontmoet_scaleout"))
        except (OperationalError, ImportError) as exc:
            pytest.skip(f"PostgreSQL on 127.0.0.1:5432 unreachable: {exc}")
        yield url


@pytest.fixture(scope="module")
def replicas(shared_stores, tmp_path_factory):
    """One action server and replicas A and B, all on the same stores."""
    require_test_model()
    shared = dict(
        ONTMOET_DATABASE_URL=shared_stores,
        ONTMOET_TRACKER_STORE_URL=shared_stores,
        ONTMOET_REDIS_URL=REDIS_URL,
        ONTMOET_PSEUDONYM_KEY=PSEUDONYM_KEY,
        ONTMOET_RASA_API_TOKEN=API_TOKEN,
    )
    var_dir = tmp_path_factory.mktemp("scaleout")
    actions = ActionServer(var_dir, **shared)
    started = []
    try:
        actions.wait()
        action_url = actions.url
        for label in ("a", "b"):
            # Each replica its own var dir: nothing may be shared through local files.
            own_var = tmp_path_factory.mktemp(f"replica-{label}")
            proc = ServiceProcess(action_url, own_var, own_var / "unused.db", **shared)
            started.append(proc.start())
        yield started
    finally:
        for proc in started:
            proc.stop()
        actions.stop()


def _user_texts(tracker: dict) -> list:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def _answers_per_user_message(tracker: dict) -> list:
    """For every user event: how many bot messages follow before the next one."""
    counts = []
    for event in tracker["events"]:
        if event["event"] == "user":
            counts.append(0)
        elif event["event"] == "bot" and counts:
            counts[-1] += 1
    return counts


def _conversation_id(sender: str) -> str:
    from bot.channels.common import pseudonymise

    return pseudonymise("rest", sender, PSEUDONYM_KEY.encode())


def test_the_replicas_keep_the_conversation_in_the_shared_stores(replicas, shared_stores):
    """Seen from the stores, not from the settings the test gave: a greeting on
    A lands in PostgreSQL's tracker table and its buttons in Redis; no replica
    keeps a local tracker file."""
    import redis
    from sqlalchemy import create_engine, text

    a, b = replicas
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    post_message(a.url, sender, "hallo")
    conversation = _conversation_id(sender)
    engine = create_engine(shared_stores, future=True)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                  {"s": conversation}).scalar_one()
    finally:
        engine.dispose()
    assert stored > 0
    client = redis.Redis.from_url(REDIS_URL)
    assert client.hlen(f"ontmoet:knoppen:{conversation}") > 0
    for proc in replicas:
        assert not list(proc.log_path.parent.glob("*tracker*.db"))


def test_alternating_replicas_keep_one_conversation(replicas):
    a, b = replicas
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    greeting = post_message(a.url, sender, "hallo")
    buttons = [btn for r in greeting for btn in r.get("buttons", [])]
    find = next(btn for btn in buttons if "ontmoeten" in btn["title"])
    # A button offered by A, pressed on B: the form starts and asks on B.
    asked = reply_text(post_message(b.url, sender, find["payload"]))
    assert "In welke buurt woont u?" in asked
    # The form asked on B is answered on A: the search runs with the buurt.
    answer = reply_text(post_message(a.url, sender, "Malberg"))
    assert "'t Ruweel" in answer
    assert "Graag gedaan" in reply_text(post_message(b.url, sender, "dank je"))

    # The buurt slot filled through A is remembered on B.
    again = reply_text(post_message(b.url, sender, "Ik zoek een plek om mensen te ontmoeten"))
    assert "In Malberg" in again and "In welke buurt" not in again

    # Both replicas read the same tracker: every message once, answered once.
    tracker_a, tracker_b = tracker_of(a, sender), tracker_of(b, sender)
    assert tracker_a["events"] == tracker_b["events"]
    texts = _user_texts(tracker_a)
    assert len(texts) == 5
    assert texts.count("Malberg") == 1 and texts.count("dank je") == 1
    assert texts.count("hallo") == 1
    assert all(n >= 1 for n in _answers_per_user_message(tracker_a))


def test_form_asked_on_a_is_answered_on_b(replicas):
    a, b = replicas
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    asked = reply_text(post_message(a.url, sender, "Ik zoek een plek om mensen te ontmoeten"))
    assert "In welke buurt woont u?" in asked
    assert "'t Ruweel" in reply_text(post_message(b.url, sender, "Malberg"))
    tracker = tracker_of(a, sender)
    assert tracker["slots"].get("buurt") == "Malberg"
    assert _user_texts(tracker) == ["Ik zoek een plek om mensen te ontmoeten", "Malberg"]


def test_simultaneous_messages_on_both_replicas_are_each_answered_once(replicas):
    """The Redis lock serialises one conversation across replicas.

    The test holds the conversation's lock itself while it sends one message to
    A and one to B, checks that both are in flight (neither answered) at the
    same moment, then lets go: the two must still be handled one after the other."""
    import time

    import redis

    from bot.locks import AtomicRedisLockStore

    a, b = replicas
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    post_message(a.url, sender, "hallo")
    lock_key = AtomicRedisLockStore(host="127.0.0.1", port=6379, key_prefix="ontmoet")._mutex_key(
        _conversation_id(sender))
    client = redis.Redis.from_url(REDIS_URL)
    rounds = [("dank je", "doei"), ("bedankt", "tot ziens")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for first, second in rounds:
            assert client.set(lock_key, "held-by-the-test", nx=True, px=60_000)
            try:
                fut_a = pool.submit(post_message, a.url, sender, first)
                fut_b = pool.submit(post_message, b.url, sender, second)
                time.sleep(2.0)
                # Both messages reached their replica and wait for the lock together.
                assert not fut_a.done() and not fut_b.done()
            finally:
                client.delete(lock_key)
            replies_a, replies_b = fut_a.result(timeout=120), fut_b.result(timeout=120)
            # Each HTTP response carries the answer to its own message only.
            assert "Graag gedaan" in reply_text(replies_a)
            assert "Graag gedaan" not in reply_text(replies_b)
            assert reply_text(replies_b)
    tracker = tracker_of(b, sender)
    texts = _user_texts(tracker)
    assert sorted(texts) == sorted(["hallo", "dank je", "doei", "bedankt", "tot ziens"])
    # Serialised: each user message is followed by its own answers before the next
    # one arrives; an interleaving (two user events in a row) would show a 0.
    counts = _answers_per_user_message(tracker)
    assert len(counts) == 5 and all(n >= 1 for n in counts), counts
    assert tracker_of(a, sender)["events"] == tracker["events"]
