"""First run from a fresh clone: `make run` until a resident gets an answer (issue 20.3).

    .venv/bin/python -m bench.first_run [--runs 1] [--timeout 2400] [--no-pip-cache] [--keep]

Each run: train the bare floor (what `rasa init --no-prompt` writes, as
bench/train_bench.py does), then `git clone` this checkout's HEAD into a
temporary folder under $ONTMOET_BENCH_WORK and start `make run` there, in its own
process group, with a clean environment (no ONTMOET_*, RASA_*, PYTHONPATH or
VIRTUAL_ENV of the caller; free ports). Every line `make run` prints is
timestamped; the phases come from its progress lines (`parse_phases`):
install (a new .venv in the clone, pip install), preparation (lookups),
training, start-up (database, knowledge, model loading) and ready. From the
moment the service starts, a resident's message is posted to the REST webhook
until it gets a reply: that moment is the first answer. Then `make run` is
stopped with Ctrl-C (SIGINT to its group), as a person would, and the run
checks that no process of the group is left (SIGTERM, then SIGKILL if any is).

Budget (issue 20.3): install + 1.5 x the floor's training time + 30 s,
against the measured time from `make run` to the first answer.
pip's own cache (~/.cache/pip) may be used (its size before and after is
recorded; --no-pip-cache turns it off). The developer's .venv, models/, var/
and databases are never touched: everything lives in the clone, which is
removed afterwards (--keep keeps it). Result: bench/results/first_run.json
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bench.common import ROOT, VENV_BIN, WORK, free_port, load_average, spread, write_result

FLOOR_FACTOR = 1.5
SLACK_SECONDS = 30.0
MESSAGE = "Is er een buurthuis in Malberg?"

# The progress lines of scripts/setup.sh, train.sh and run.sh that bound the phases.
INSTALL_DONE = "==> pakketten geïnstalleerd"
INSTALL_SKIPPED = "==> pakketten zijn al geïnstalleerd"
TRAIN_START = "==> model trainen"
TRAIN_DONE = "==> model getraind"
TRAIN_SKIPPED = "==> model is al actueel"
SERVE_START = "==> assistent starten"
READY = "==> De assistent antwoordt"
PROGRESS = ("    ... trainen bezig", "    ... nog bezig met opstarten", "Collecting ")
# Variables of the caller that would make the clone use another checkout or state.
_DROP_PREFIXES = ("ONTMOET_", "RASA_", "PYTHON", "VIRTUAL_ENV", "CONDA", "SQLALCHEMY_")

Line = Tuple[float, str]


def _first(lines: Sequence[Line], *markers: str) -> Optional[float]:
    for t, text in lines:
        if any(text.startswith(m) for m in markers):
            return t
    return None


def _between(start: Optional[float], end: Optional[float]) -> Optional[float]:
    return round(end - start, 1) if start is not None and end is not None else None


def parse_phases(lines: Sequence[Line]) -> Dict[str, object]:
    """Phase durations (s) from `make run`'s timestamped lines (seconds since its start).

    install: start to "pakketten geïnstalleerd" (a new .venv and pip install);
    preparation: to "model trainen" (lookups); training: to "model getraind";
    start-up: to "De assistent antwoordt" (ontmoet init, both servers, model
    loading). A missing marker gives None, so a broken script shows as a gap.
    Also the estimate lines shown and how many progress lines came (pure; unit-tested).
    """
    install_done = _first(lines, INSTALL_DONE, INSTALL_SKIPPED)
    train_start = _first(lines, TRAIN_START)
    train_done = _first(lines, TRAIN_DONE, TRAIN_SKIPPED)
    ready = _first(lines, READY)
    estimates = [text for _, text in lines
                 if text.startswith(("==> pakketten installeren", TRAIN_START))]
    return {
        "install_s": round(install_done, 1) if install_done is not None else None,
        "preparation_s": _between(install_done, train_start),
        "training_s": _between(train_start, train_done),
        "startup_s": _between(train_done, ready),
        "ready_s": round(ready, 1) if ready is not None else None,
        "serve_started_s": _first(lines, SERVE_START),
        "install_skipped": any(text.startswith(INSTALL_SKIPPED) for _, text in lines),
        "training_skipped": any(text.startswith(TRAIN_SKIPPED) for _, text in lines),
        "estimates_shown": estimates,
        "progress_lines": sum(1 for _, text in lines if text.startswith(PROGRESS)),
    }


def budget(install_s: Optional[float], floor_training_s: Optional[float]) -> Optional[float]:
    """Issue 20.3: install + 1.5 x the floor's training + 30 s (None if a part is missing)."""
    if install_s is None or floor_training_s is None:
        return None
    return round(install_s + FLOOR_FACTOR * floor_training_s + SLACK_SECONDS, 1)


def verdict(first_answer_s: Optional[float], budget_s: Optional[float]) -> Dict[str, object]:
    """Margin (budget - measured, s) and whether the first answer came within the budget."""
    if first_answer_s is None or budget_s is None:
        return {"margin_s": None, "met": False}
    margin = round(budget_s - first_answer_s, 1)
    return {"margin_s": margin, "met": margin >= 0}


def summary(runs: List[dict]) -> Dict[str, object]:
    """Medians with spread over the runs; met when every run answered within its budget."""
    def col(key: str) -> Optional[dict]:
        return spread([r.get(key) for r in runs], 1)

    return {
        "install_seconds": col("install_s"),
        "training_seconds": col("training_s"),
        "startup_seconds": col("startup_s"),
        "ready_seconds": col("ready_s"),
        "first_answer_seconds": col("first_answer_s"),
        "floor_training_seconds": col("floor_training_s"),
        "budget_seconds": col("budget_s"),
        "margin_seconds": col("margin_s"),
        "formula": f"install + {FLOOR_FACTOR} x floor training + {SLACK_SECONDS:.0f} s",
        "met": bool(runs) and all(r.get("met") for r in runs),
    }


def clean_env(port: int, actions_port: int, pip_cache: bool) -> Dict[str, str]:
    """The caller's environment without what points at its own checkout or state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_PREFIXES)}
    venv = os.environ.get("VIRTUAL_ENV")
    parts = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(p for p in parts if p and p != str(VENV_BIN)
                                  and not (venv and p.startswith(venv)))
    env.update(ONTMOET_HOST="127.0.0.1", ONTMOET_PORT=str(port),
               ONTMOET_ACTIONS_PORT=str(actions_port), PYTHONUNBUFFERED="1")
    if not pip_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    return env


def _pip_cache() -> Dict[str, object]:
    out = subprocess.run([str(VENV_BIN / "python"), "-m", "pip", "cache", "dir"],
                         capture_output=True, text=True)
    path = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    size = None
    if path and path.exists():
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return {"dir": str(path) if path else None,
            "mb": round(size / 1024 / 1024, 1) if size is not None else None}


def group_members(pgid: int) -> List[int]:
    """Live (non-zombie) processes in process group `pgid`, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def stop_group(proc: subprocess.Popen, grace: float = 30.0) -> Dict[str, object]:
    """Ctrl-C to the whole group (as a person would), then SIGTERM, then SIGKILL."""
    pgid = proc.pid  # start_new_session: the group leader's pid is the group id
    used = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if not group_members(pgid) and proc.poll() is not None:
            break
        used.append(sig.name)
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            if proc.poll() is not None and not group_members(pgid):
                break
    left = group_members(pgid)
    return {"signals": used, "left_running": left}


class MakeRun:
    """`make run` in `clone`, every output line timestamped (seconds since start)."""

    def __init__(self, clone: Path, env: Dict[str, str], log: Path):
        self.lines: List[Line] = []
        self.log = open(log, "w", encoding="utf-8")
        self.start = time.monotonic()
        self.proc = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            t = time.monotonic() - self.start
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append((round(t, 2), text))
            self.log.write(f"{t:8.1f} {text}\n")
            self.log.flush()
            if text.startswith(("==>", "FOUT", "make: ***", *PROGRESS[:2])):
                print(f"    [{t:6.0f} s] {text}", flush=True)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def seen(self, marker: str) -> bool:
        return any(text.startswith(marker) for _, text in list(self.lines))

    def close(self) -> Dict[str, object]:
        stopped = stop_group(self.proc)
        self.reader.join(timeout=10)
        self.log.close()
        return stopped


def _ask(port: int, sender: str) -> Optional[list]:
    import httpx

    try:
        reply = httpx.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                           json={"sender": sender, "message": MESSAGE}, timeout=30)
    except httpx.HTTPError:
        return None
    if reply.status_code != 200:
        return None
    body = reply.json()
    return body if isinstance(body, list) and body else None


def first_run(run: int, timeout: float, pip_cache: bool, keep: bool) -> Dict[str, object]:
    """One fresh clone through `make run` to its first answer; always stopped and removed."""
    WORK.mkdir(parents=True, exist_ok=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=ROOT, capture_output=True, text=True).stdout.strip())
    clone = Path(tempfile.mkdtemp(prefix="first-run-", dir=WORK))
    port, actions_port = free_port(), free_port()
    result: Dict[str, object] = {"run": run, "commit": sha, "uncommitted_changes_left_out": dirty,
                                 "load_before": load_average(), "pip_cache_before": _pip_cache()}
    make: Optional[MakeRun] = None
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "checkout", "--quiet", "--detach", sha], cwd=clone, check=True)
        make = MakeRun(clone, clean_env(port, actions_port, pip_cache),
                       WORK / f"first-run-{run}.log")
        first_answer = None
        attempt = 0
        while make.elapsed() < timeout:
            if make.proc.poll() is not None:
                result["error"] = f"make run exited with {make.proc.returncode}"
                break
            if make.seen(SERVE_START):
                attempt += 1
                reply = _ask(port, f"first-run-{run}-{attempt}")
                if reply is not None:
                    first_answer = make.elapsed()
                    result["reply"] = [m.get("text", "")[:160] for m in reply]
                    break
            time.sleep(0.5)
        else:
            result["error"] = f"no answer within {timeout:.0f} s (time limit)"
        result["first_answer_s"] = round(first_answer, 1) if first_answer is not None else None
        result["load_at_answer"] = load_average()
    finally:
        if make is not None:
            result["stop"] = make.close()
            result.update(parse_phases(make.lines))
            if result.get("error"):
                result["last_lines"] = [text[:200] for _, text in make.lines[-15:]]
        result["pip_cache_after"] = _pip_cache()
        if keep:
            result["clone"] = str(clone)
        else:
            shutil.rmtree(clone, ignore_errors=True)
    return result


def main(argv=None) -> None:
    from bench.train_bench import train_floor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=2400.0,
                        help="seconds per run from `make run` to the first answer")
    parser.add_argument("--no-pip-cache", action="store_true",
                        help="PIP_NO_CACHE_DIR=1: pip downloads every package again")
    parser.add_argument("--keep", action="store_true", help="keep the clones (3 GB each)")
    args = parser.parse_args(argv)
    # SIGTERM as an exception, so the `finally` that stops `make run` always runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("make") is None or shutil.which("git") is None:
        sys.exit("first_run needs git and make")
    runs: List[dict] = []
    out = None
    for run in range(1, args.runs + 1):
        print(f"==> first run {run}/{args.runs}: floor training (rasa init)", flush=True)
        floor = train_floor(run, WORK / "first-run-floor")
        print(f"    floor {floor['seconds']} s", flush=True)
        print(f"==> first run {run}/{args.runs}: fresh clone, make run", flush=True)
        entry = first_run(run, args.timeout, not args.no_pip_cache, args.keep)
        entry["floor_training_s"] = floor["seconds"]
        entry["floor"] = floor
        entry["budget_s"] = budget(entry.get("install_s"), floor["seconds"])
        entry.update(verdict(entry.get("first_answer_s"), entry["budget_s"]))
        runs.append(entry)
        print(f"    first answer {entry.get('first_answer_s')} s, budget {entry['budget_s']} s: "
              f"{'met' if entry['met'] else 'missed'}"
              f"{'; ' + entry['error'] if entry.get('error') else ''}", flush=True)
        if entry.get("stop", {}).get("left_running"):
            print(f"    WARNING: processes left running: {entry['stop']['left_running']}")
        out = write_result("first_run", {
            "command": "python -m bench.first_run" + (f" --runs {args.runs}" if args.runs > 1
                                                        else ""),
            "method": ("git clone of HEAD into a temporary folder; `make run` there in its own "
                       "process group with a clean environment; phases from its progress lines; "
                       "first answer: a resident message to /webhooks/rest/webhook, posted from "
                       "the service start until it is answered; then Ctrl-C to the group. "
                       "Floor: `rasa init` scaffold trained with `rasa train --force` in the "
                       "same run, before the clone."),
            "pip_cache": ("not used (PIP_NO_CACHE_DIR=1)" if args.no_pip_cache else
                          "pip's own cache may be used (see pip_cache_before/after per run)"),
            "message": MESSAGE,
            "reportable": all(not r.get("error") for r in runs),
            "runs": runs, "summary": summary(runs),
        })
    print(out)
    print(json.dumps(summary(runs), indent=2))


if __name__ == "__main__":
    main()
