"""`ontmoet queue ...` and `ontmoet staff ...` (run in-process, JSON output)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert [(n["kind"], n["text"]) for n in detail["notes"]] == [("closing", "klaar")]
    code, rows = run_json(capsys, "queue", "list", "--status", "afgerond", "--json")
    assert [r["reference"] for r in rows] == [ref]
    assert main(["queue", "show", "T-9999"]) == 4
    assert main(["queue", "claim", ref, "--as", "niemand"]) == 5


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


def _run(capsys, *argv):
    """(exit code, stdout, stderr) of one in-process run."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_reply_and_note_do_what_the_dashboard_does(cli_env, capsys):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    main(["queue", "claim", ref, "--as", "ow-west"])
    code, out, _ = _run(capsys, "queue", "note", ref, "Morgen bellen", "--as", "ow-west")
    assert code == 0 and out.strip() == f"Notitie bij {ref} opgeslagen."
    code, out, _ = _run(capsys, "queue", "reply", ref, "Ik bel u morgen", "--as", "ow-west")
    assert code == 0 and "De service bezorgt het binnen enkele seconden via telegram" in out
    detail = queue.show(ref)
    assert [(n.kind, n.text) for n in detail.notes] == [("note", "Morgen bellen"),
                                                       ("reply", "Ik bel u morgen")]
    assert detail.request.status == "in_contact"
    # the service's outbox holds the reply, once
    assert [r.text.splitlines()[-1] for r in queue.take_pending_deliveries()] == ["Ik bel u morgen"]
    code, out, err = _run(capsys, "queue", "reply", ref, "Hallo", "--as", "ow-west2")
    assert code == 3 and "is van ow-west" in err


def test_contact_close_with_message_and_reopen(cli_env, capsys):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    main(["queue", "claim", ref, "--as", "ow-west"])
    code, out, _ = _run(capsys, "queue", "contact", ref, "afspraak", "--note", "Do 14 uur",
                        "--as", "ow-west")
    assert code == 0 and "afspraak gemaakt" in out
    code, closed = run_json(capsys, "queue", "close", ref, "--as", "ow-west", "--note", "Klaar",
                            "--message", "Tot ziens!", "--json")
    assert code == 0 and closed["result"] == "closed" and closed["status"] == "afgerond"
    assert [r.text.splitlines()[-1] for r in queue.take_pending_deliveries()] == ["Tot ziens!"]
    code, out, _ = _run(capsys, "queue", "reopen", ref, "--as", "ow-west")
    assert code == 0 and out.strip() == f"{ref} is weer open."
    assert queue.get(ref).status == "in_contact"


def test_closing_in_a_terminal_asks_first(cli_env, capsys, monkeypatch):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    queue.claim(ref, "ow-west")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, out, _ = _run(capsys, "queue", "close", ref, "--as", "ow-west")
    assert code == 3 and "blijft open" in out and queue.get(ref).status == "opgepakt"
    code, _, _ = _run(capsys, "queue", "close", ref, "--as", "ow-west", "--ja")
    assert code == 0 and queue.get(ref).status == "afgerond"


def test_outside_the_werkgebied_is_said_as_such(cli_env, capsys):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference  # Mariaberg, West
    code, _, err = _run(capsys, "queue", "claim", ref, "--as", "ow-noord")
    assert code == 4 and err.strip() == f"Vraag {ref} valt buiten het werkgebied van ow-noord."
    code, _, err = _run(capsys, "queue", "claim", "T-9999", "--as", "ow-noord")
    assert code == 4 and err.strip() == "Vraag T-9999 bestaat niet."
    code, error = run_json(capsys, "queue", "claim", ref, "--as", "ow-noord", "--json")
    assert code == 4 and error["error"] == "outside_werkgebied"


def test_dutch_text_and_dutch_time(cli_env, capsys):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    created = queue.get(ref).created_at  # naive UTC
    code, out, _ = _run(capsys, "queue", "show", ref)
    assert code == 0 and "In de woorden van de bewoner: Ik zoek een huiskamer" in out
    assert "Europe/Amsterdam" in out and "Vraag ontvangen · bewoner" in out
    for python_word in ("True", "False", "None", "{", "in_contact"):
        assert python_word not in out
    from bot.staff.clock import to_local

    assert to_local(created).strftime("%d-%m-%Y %H:%M") in out
    code, rows = run_json(capsys, "queue", "list", "--json")
    assert rows[0]["created_at"] == to_local(created).isoformat()
    assert rows[0]["created_at"][-6:] in ("+01:00", "+02:00")
    code, out, _ = _run(capsys, "queue", "purge")
    assert code == 0 and out.startswith("Opgeruimd: 0 vraag/vragen") and "{" not in out


def test_staff_add_checks_buurt_and_stadsdeel_names(cli_env, capsys, monkeypatch):
    def add(*argv):
        monkeypatch.setattr("sys.stdin", io.StringIO("een-lang-wachtwoord\n"))
        return _run(capsys, "staff", "add", *argv, "--password-stdin")

    code, _, err = add("ow-nieuw", "--buurt", "Malbrg")
    assert code == 2 and "Onbekende buurt: Malbrg. Bedoelt u Malberg?" in err
    code, _, err = add("ow-nieuw", "--stadsdeel", "Westt")
    assert code == 2 and "Bedoelt u West?" in err
    code, _, err = add("ow-nieuw", "--stadsdeel", "Atlantis")
    assert code == 2 and "Onbekende stadsdeel: Atlantis" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("een-lang-wachtwoord\n"))
    code, account = run_json(capsys, "staff", "add", "ow-nieuw", "--stadsdeel", "west",
                             "--buurt", "malberg", "--password-stdin", "--json")
    assert code == 0 and account["werkgebied"] == "West, Malberg"  # the knowledge base's spelling


def test_staff_unlock_ends_a_login_block(cli_env, capsys, monkeypatch):
    from bot.handoff.routing import RosterCache
    from bot.staff.accounts import StaffAccounts, TooManyAttempts

    monkeypatch.setattr("sys.stdin", io.StringIO("een-lang-wachtwoord\n"))
    main(["staff", "add", "ow-west", "--password-stdin"])
    accounts = StaffAccounts(make_engine(cli_env), RosterCache(os.environ["ONTMOET_STAFF_FILE"]))
    for _ in range(accounts.max_failures_per_user):
        accounts.authenticate("ow-west", "fout-wachtwoord", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("ow-west", "een-lang-wachtwoord", "10.0.0.1")
    code, out, _ = _run(capsys, "staff", "unlock", "ow-west")
    assert code == 0 and "opgeheven" in out
    assert accounts.authenticate("ow-west", "een-lang-wachtwoord", "10.0.0.1") is not None
    code, _, err = _run(capsys, "staff", "unlock", "niemand")
    assert code == 4 and "geen account niemand" in err


def test_a_closed_pipe_and_no_migration_chatter(cli_env):
    """`ontmoet queue list | head -1`: the reader is gone before the first line."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: every write fails with EPIPE
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    try:
        done = subprocess.run([sys.executable, "-m", "bot.cli", "queue", "list"], stdout=write_end,
                              stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        os.close(write_end)
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err
    assert "alembic" not in err
    done = subprocess.run([sys.executable, "-m", "bot.cli", "queue", "list"], capture_output=True,
                          env=env, timeout=120, text=True)
    assert done.stdout.startswith("0 vraag/vragen.") and "alembic" not in done.stderr


def test_queue_show_says_how_far_each_reply_got(cli_env, capsys):
    main(["queue", "list"])
    queue = HandoffQueue(make_engine(cli_env))
    ref = new_request(queue).reference
    queue.claim(ref, "ow-west")
    waiting = queue.reply(ref, "ow-west", "Ik bel u morgen.").relay
    failed = queue.reply(ref, "ow-west", "Hallo?").relay
    queue.set_delivery(waiting.note_id, "waiting")
    queue.set_delivery(failed.note_id, "failed")
    capsys.readouterr()
    assert main(["queue", "show", ref]) == 0
    out = capsys.readouterr().out
    assert "Ik bel u morgen. (wacht tot de bewoner weer schrijft)" in out
    assert "Hallo? (mislukt)" in out
    code, detail = run_json(capsys, "queue", "show", ref, "--json")
    assert [n["delivery"] for n in detail["notes"]] == ["waiting", "failed"]
