"""Retention and erasure of conversations in Rasa's real SQL tracker store."""
import datetime as dt

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import delete_conversation, purge_conversations

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)


async def _store_conversation(store, sender, when):
    stamp = when.timestamp()
    tracker = DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen", timestamp=stamp),
            UserUttered("mijn nummer is 0612345678", {"name": "greet"}, timestamp=stamp),
        ],
    )
    await store.save(tracker)


async def test_purge_keeps_recent_and_erases_old_conversations(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    await _store_conversation(store, "old", NOW - dt.timedelta(days=40))
    await _store_conversation(store, "recent", NOW - dt.timedelta(days=2))

    report = purge_conversations(url, dt.timedelta(days=30), now=NOW)

    assert report.conversations_deleted == 1
    assert report.events_deleted == 2
    assert await store.retrieve("old") is None or not (await store.retrieve("old")).events
    assert len((await store.retrieve("recent")).events) == 2


async def test_delete_conversation_erases_only_that_resident(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    await _store_conversation(store, "alice", NOW)
    await _store_conversation(store, "bob", NOW)

    assert delete_conversation(url, "alice") == 2
    assert delete_conversation(url, "alice") == 0
    assert len((await store.retrieve("bob")).events) == 2


def test_missing_tracker_store_is_not_an_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert purge_conversations(url, dt.timedelta(days=1), now=NOW).conversations_deleted == 0
    assert delete_conversation(url, "x") == 0
