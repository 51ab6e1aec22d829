"""bench/first_run.py: phase parsing, the budget, the clean environment, stopping a group."""
from __future__ import annotations

import subprocess
from pathlib import Path

from bench import first_run as fr

ROOT = Path(__file__).resolve().parent.parent

# What `make run` prints on a fresh clone (scripts/setup.sh, train.sh, run.sh), shortened.
FRESH = [
    (0.5, "==> .venv maken met /usr/bin/python3.10"),
    (3.0, "==> pakketten installeren (~3 GB); duurt ongeveer 3 min (gemeten vanaf een verse "
          "kopie); pip meldt elk pakket"),
    (4.0, "Collecting rasa==3.6.20"),
    (5.0, "Collecting sanic<21.13"),
    (180.0, "==> pakketten geïnstalleerd in 2 min 57 s"),
    (184.0, "wrote nlu_data/generated/lookups.yml"),
    (186.0, "==> model trainen als data, domein of config veranderd zijn; duurt ongeveer 52 s "
            "(gemeten met make bench op 2 cores)"),
    (216.0, "    ... trainen bezig: 30 s (verwacht: ongeveer 52 s)"),
    (250.0, "==> model getraind in 1 min 4 s"),
    (253.0, "database ready: sqlite:... knowledge loaded"),
    (254.0, "==> assistent starten (model laden: meestal 10-60 s)"),
    (264.0, "    ... nog bezig met opstarten (10 s)"),
    (266.5, "==> klaar na 12 s"),
    (266.6, "==> De assistent antwoordt nu. Open de chat: http://127.0.0.1:5005/chat"),
]


def test_phases_of_a_fresh_clone():
    p = fr.parse_phases(FRESH)
    assert p["install_s"] == 180.0
    assert p["preparation_s"] == 6.0
    assert p["training_s"] == 64.0
    assert p["startup_s"] == 16.6
    assert p["ready_s"] == 266.6
    assert p["serve_started_s"] == 254.0
    assert not p["install_skipped"] and not p["training_skipped"]
    assert len(p["estimates_shown"]) == 2 and "3 min" in p["estimates_shown"][0]
    assert p["progress_lines"] == 4  # two "Collecting", one training tick, one start-up tick


def test_a_missing_marker_leaves_a_gap_not_a_wrong_figure():
    without_training_done = [line for line in FRESH if "model getraind" not in line[1]]
    p = fr.parse_phases(without_training_done)
    assert p["training_s"] is None and p["startup_s"] is None
    assert p["install_s"] == 180.0


def test_already_installed_and_trained_is_marked_as_skipped():
    lines = [(0.4, "==> pakketten zijn al geïnstalleerd"),
             (2.0, "==> model trainen als data, domein of config veranderd zijn; duurt ongeveer 1 min"),
             (9.0, "==> model is al actueel (niets veranderd)"),
             (30.0, "==> De assistent antwoordt nu. Open de chat: http://127.0.0.1:5005/chat")]
    p = fr.parse_phases(lines)
    assert p["install_skipped"] and p["training_skipped"]
    assert p["install_s"] == 0.4 and p["training_s"] == 7.0 and p["startup_s"] == 21.0


def test_the_markers_are_what_the_scripts_print():
    scripts = "".join((ROOT / "scripts" / name).read_text()
                      for name in ("setup.sh", "train.sh", "run.sh"))
    for marker in (fr.INSTALL_DONE, fr.INSTALL_SKIPPED, fr.TRAIN_START, fr.TRAIN_DONE,
                   fr.TRAIN_SKIPPED, fr.SERVE_START, fr.READY, *fr.PROGRESS[:2]):
        assert f'echo "{marker}' in scripts, marker


def test_budget_is_install_plus_one_and_a_half_floor_trainings_plus_30_s():
    assert fr.budget(180.0, 60.0) == 300.0
    assert fr.budget(None, 60.0) is None
    assert fr.budget(180.0, None) is None


def test_verdict_margin_and_boundary():
    assert fr.verdict(300.0, 300.0) == {"margin_s": 0.0, "met": True}
    assert fr.verdict(300.1, 300.0) == {"margin_s": -0.1, "met": False}
    assert fr.verdict(250.0, 300.0) == {"margin_s": 50.0, "met": True}
    assert fr.verdict(None, 300.0) == {"margin_s": None, "met": False}


def test_summary_is_met_only_when_every_run_answered_in_time():
    runs = [{"install_s": 180.0, "first_answer_s": 260.0, "budget_s": 300.0, "margin_s": 40.0,
             "met": True},
            {"install_s": 200.0, "first_answer_s": 330.0, "budget_s": 320.0, "margin_s": -10.0,
             "met": False},
            {"install_s": 190.0, "first_answer_s": 280.0, "budget_s": 310.0, "margin_s": 30.0,
             "met": True}]
    s = fr.summary(runs)
    assert s["install_seconds"]["median"] == 190.0
    assert s["margin_seconds"] == {"median": 30.0, "min": -10.0, "max": 40.0,
                                   "runs": [40.0, -10.0, 30.0]}
    assert s["met"] is False
    assert fr.summary(runs[::2])["met"] is True
    assert fr.summary([])["met"] is False


def test_clean_env_drops_the_callers_checkout_and_state(monkeypatch):
    monkeypatch.setenv("ONTMOET_DATABASE_URL", "sqlite:////home/dev/var/ontmoet.db")
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", "/tmp/elsewhere")
    monkeypatch.setenv("PYTHONPATH", "/work/main")
    monkeypatch.setenv("VIRTUAL_ENV", "/work/main/.venv")
    monkeypatch.setenv("PATH", f"/work/main/.venv/bin:{fr.VENV_BIN}:/usr/bin")
    monkeypatch.delenv("PIP_NO_CACHE_DIR", raising=False)
    env = fr.clean_env(6001, 6002, pip_cache=True)
    assert not any(k.startswith(("RASA_", "VIRTUAL_ENV")) for k in env)
    assert "PYTHONPATH" not in env and "ONTMOET_DATABASE_URL" not in env
    assert env["PATH"] == "/usr/bin"
    assert (env["ONTMOET_PORT"], env["ONTMOET_ACTIONS_PORT"]) == ("6001", "6002")
    assert "PIP_NO_CACHE_DIR" not in env
    assert fr.clean_env(6001, 6002, pip_cache=False)["PIP_NO_CACHE_DIR"] == "1"


def test_stop_group_leaves_nothing_even_when_ctrl_c_is_ignored():
    # A shell and its child that both ignore SIGINT: SIGTERM must follow.
    proc = subprocess.Popen(["bash", "-c", "trap '' INT; sleep 300 & wait"],
                            start_new_session=True)
    try:
        stopped = fr.stop_group(proc, grace=2.0)
    finally:
        if fr.group_members(proc.pid):
            subprocess.run(["kill", "-KILL", "--", f"-{proc.pid}"])
    assert stopped["left_running"] == []
    assert stopped["signals"][:2] == ["SIGINT", "SIGTERM"]
    assert proc.poll() is not None


def test_report_shows_the_verdict_and_flags_a_run_not_to_be_reported():
    from bench.report import first_run_section

    runs = [{"install_s": 180.0, "training_s": 64.0, "startup_s": 16.6, "ready_s": 266.6,
             "first_answer_s": 268.0, "floor_training_s": 60.0, "budget_s": 300.0,
             "margin_s": 32.0, "met": True}]
    result = {"command": "python -m bench.first_run", "pip_cache": "not used", "runs": runs,
              "summary": fr.summary(runs), "reportable": True, "machine": {}}
    text = "\n".join(first_run_section(result))
    assert "| 180.0 | 64.0 | 16.6 | 268.0 | 60.0 | 300.0 | 32.0 |" in text
    assert "(met)" in text and "Not to be reported" not in text
    text = "\n".join(first_run_section({**result, "reportable": False}))
    assert "Not to be reported" in text
    assert "Not run yet" in "\n".join(first_run_section(None))


def _fake_checkout(tmp_path: Path, rasa_body: str) -> Path:
    import os
    import sys

    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "train.sh").write_text((ROOT / "scripts" / "train.sh").read_text())
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    os.symlink(sys.executable, venv_bin / "python")
    rasa = venv_bin / "rasa"
    rasa.write_text("#!/usr/bin/env bash\n" + rasa_body)
    rasa.chmod(0o755)
    return tmp_path


def test_train_sh_on_a_fresh_clone_without_models_trains_and_says_so(tmp_path):
    # A fresh clone has no models/: counting them must not stop the script (pipefail).
    checkout = _fake_checkout(tmp_path, "touch models/20261203-000000.tar.gz\n")
    out = subprocess.run(["bash", "scripts/train.sh"], cwd=checkout, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert fr.TRAIN_START in out.stdout and fr.TRAIN_DONE in out.stdout
    assert (checkout / "models" / ".train_seconds").exists()


def test_train_sh_says_when_training_failed(tmp_path):
    checkout = _fake_checkout(tmp_path, "exit 3\n")
    out = subprocess.run(["bash", "scripts/train.sh"], cwd=checkout, capture_output=True,
                         text=True)
    assert out.returncode == 3
    assert "FOUT: model trainen mislukt" in out.stderr
