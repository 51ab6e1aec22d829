"""`ontmoet queue ...` and `ontmoet staff ...` (run in-process, JSON output)."""
from __future__ import annotations

import io
import json

import pytest

from bot.handoff.cli import main
from bot.handoff.queue import HandoffQueue
from ontmoet_core.db import make_engine
from tests.test_handoff_support import new_request, write_roster


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ontmoet.db'}"
    monkeypatch.setenv("ONTMOET_DATABASE_URL", url)
    monkeypatch.setenv("ONTMOET_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ONTMOET_STAFF_FILE", str(write_roster(tmp_path / "staff.yml")))
    return url


def run_json(capsys, *argv):
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_queue_list_show_claim_close(cli_env, capsys):
    assert main(["queue", "list"]) == 0  # migrates an empty database
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    code, rows = run_json(capsys, "queue", "list", "--json")
    assert code == 0 and [r["reference"] for r in rows] == [ref]
    code, claimed = run_json(capsys, "queue", "claim", ref, "--as", "ow-west", "--json")
    assert code == 0 and claimed["won"] and claimed["owner"] == "ow-west"
    code, lost = run_json(capsys, "queue", "claim", ref, "--as", "coord", "--json")
    assert code == 3 and not lost["won"] and lost["owner"] == "ow-west"
    code, closed = run_json(capsys, "queue", "close", ref, "--as", "ow-west", "--note", "klaar",
                            "--json")
    assert code == 0 and closed["status"] == "afgerond"
    code, detail = run_json(capsys, "queue", "show", ref, "--json")
    assert [e["action"] for e in detail["events"]] == ["created", "claimed", "note", "closed"]
    code, rows = run_json(capsys, "queue", "list", "--status", "afgerond", "--json")
    assert [r["reference"] for r in rows] == [ref]
    assert main(["queue", "show", "T-9999"]) == 2
    with pytest.raises(SystemExit):
        main(["queue", "claim", ref, "--as", "niemand"])


def test_escalate_and_purge(cli_env, capsys):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    code, escalated = run_json(capsys, "queue", "escalate", "--after-hours", "0", "--json")
    assert [r["reference"] for r in escalated] == [ref]
    code, again = run_json(capsys, "queue", "escalate", "--after-hours", "0", "--json")
    assert again == []
    code, counts = run_json(capsys, "queue", "purge", "--closed-days", "0", "--json")
    assert counts["requests"] == 0  # open requests are never purged


def test_staff_add_and_list(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("een-lang-wachtwoord\n"))
    code, account = run_json(capsys, "staff", "add", "ow-west", "--password-stdin", "--json")
    assert code == 0 and account["role"] == "opbouwwerker" and account["in_roster"]
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert main(["staff", "add", "coord", "--password-stdin"]) == 2
    code, accounts = run_json(capsys, "staff", "list", "--json")
    assert [a["username"] for a in accounts] == ["ow-west"]
    assert "password" not in json.dumps(accounts)


def test_registers_into_the_ontmoet_cli():
    from bot.cli import build_parser

    args = build_parser().parse_args(["queue", "list", "--json"])
    assert args.queue_command == "list" and args.json
    args = build_parser().parse_args(["staff", "add", "x", "--password-stdin"])
    assert args.staff_command == "add"
