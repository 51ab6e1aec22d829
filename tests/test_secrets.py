"""Secrets that fail fast (issue 15, point 8)."""
from __future__ import annotations

import os
import stat
import threading

import pytest

from ontmoet_core.config import load_settings, read_or_create_secret_file
from ontmoet_core.db import make_engine, upgrade_database
from ontmoet_core.keys import SecretError, check_same_pseudonym_key, check_settings, secret_problem
from tests.postgres import throwaway_postgres

STRONG = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4f6a8b0c1d3e5f"
STRONG2 = "1a3c5e7f9b2d4f6a8c0e1b3d5f7a9c2e4f6a8b0c1d3e5f70"


def prod(tmp_path, **env):
    base = {"ONTMOET_ENV": "production", "ONTMOET_VAR_DIR": str(tmp_path),
            "ONTMOET_ACTION_SERVER_SECRET": STRONG2}
    base.update(env)
    return load_settings(base)


@pytest.mark.parametrize("key", ["", "kort", "CHANGE_ME_64_HEX_CHARS",
                                 "CHANGE_ME_CHANGE_ME_CHANGE_ME_CHANGE_ME_00",
                                 "test-key-not-secret-test-key-not-secret", "a" * 64])
def test_production_refuses_a_missing_short_or_placeholder_pseudonym_key(tmp_path, key):
    settings = prod(tmp_path, ONTMOET_PSEUDONYM_KEY=key)
    with pytest.raises(SecretError) as refused:
        settings.pseudonym_key_bytes()
    assert "ONTMOET_PSEUDONYM_KEY" in str(refused.value)
    if key:
        assert key not in str(refused.value)  # the value never reaches a log
    # and no key file was made behind the operator's back
    assert not (tmp_path / "pseudonym.key").exists()


def test_production_accepts_a_strong_key_and_development_stays_easy(tmp_path):
    assert prod(tmp_path, ONTMOET_PSEUDONYM_KEY=STRONG).pseudonym_key_bytes() == STRONG.encode()
    dev = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    assert dev.pseudonym_key_bytes() == b"k"
    assert secret_problem(STRONG) == ""


def test_production_refuses_a_weak_action_server_secret(tmp_path):
    settings = prod(tmp_path, ONTMOET_PSEUDONYM_KEY=STRONG, ONTMOET_ACTION_SERVER_SECRET="geheim")
    with pytest.raises(SecretError):
        settings.action_server_secret_value()


def test_the_key_file_is_created_0600_in_one_step(tmp_path, monkeypatch):
    # Made private by creating it so, not by a chmod afterwards (no moment in
    # which another user can read it): a chmod that does nothing changes nothing.
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    monkeypatch.setattr("pathlib.Path.chmod", lambda *a, **k: None)
    old = os.umask(0o022)
    try:
        key = load_settings({"ONTMOET_VAR_DIR": str(tmp_path)}).pseudonym_key_bytes()
    finally:
        os.umask(old)
    assert len(key) == 64
    assert stat.S_IMODE((tmp_path / "pseudonym.key").stat().st_mode) == 0o600


def test_two_processes_starting_together_get_the_same_key(tmp_path):
    path = tmp_path / "pseudonym.key"
    results = []
    barrier = threading.Barrier(8)

    def start():
        barrier.wait()
        results.append(read_or_create_secret_file(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results[0]) == 64


def _one_key_for_all_replicas(url):
    upgrade_database(url)
    engine = make_engine(url)
    try:
        assert check_same_pseudonym_key(engine, STRONG.encode()) == "recorded"
        assert check_same_pseudonym_key(engine, STRONG.encode()) == "same"
        with pytest.raises(SecretError) as refused:
            check_same_pseudonym_key(engine, STRONG2.encode())
        assert "same key" in str(refused.value)
    finally:
        engine.dispose()


def test_a_replica_with_another_pseudonym_key_refuses_to_start_sqlite(tmp_path):
    _one_key_for_all_replicas(f"sqlite:///{tmp_path / 'o.db'}")


def test_a_replica_with_another_pseudonym_key_refuses_to_start_postgres():
    with throwaway_postgres("ontmoet_keys") as url:
        _one_key_for_all_replicas(url)


def test_service_start_checks_everything(tmp_path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    upgrade_database(url)
    first = prod(tmp_path, ONTMOET_PSEUDONYM_KEY=STRONG, ONTMOET_DATABASE_URL=url)
    assert check_settings(first) == "recorded"
    other = prod(tmp_path, ONTMOET_PSEUDONYM_KEY=STRONG2, ONTMOET_DATABASE_URL=url)
    with pytest.raises(SecretError):
        check_settings(other)
    with pytest.raises(SecretError):  # missing key: stops before anything else
        check_settings(prod(tmp_path / "x", ONTMOET_DATABASE_URL=url))
