"""Turns, start-up and memory: our service against a truly bare floor.

    .venv/bin/python -m bench.service_bench [--only service,startup,soak] [--runs 3]

Two stacks on 127.0.0.1, started one after the other in interleaved pairs
(floor, ours, floor, ours, ...), so a load change hits both halves of a pair:

* floor: the `rasa init --no-prompt` assistant (its own config.yml, domain and
  data, trained by bench/train_bench.py), served by plain `rasa run` with its
  own credentials.yml (REST channel) and endpoints.yml (no action server, the
  default in-memory tracker store);
* ours: `ontmoet serve` (REST channel, SQL tracker store, live-contact check,
  custom actions with database queries in bot.action_server) on the full model.

The same load generator drives both: simulated residents, each a new sender
with a three-message conversation, posted turn by turn through the REST
webhook; a turn is timed from the HTTP request to the reply. Ours gets the
Dutch place-search mix (OUR_SCRIPTS: every conversation asks for a place, so
a custom action and its query run); the floor gets rasa-init conversations of
the same shape and about the same length (FLOOR_SCRIPTS), which its stories
answer. Sending Dutch to the floor would only measure its fallback. An empty
or failed answer counts as an error, for the floor too.

Parts (--only): `service` (latency and throughput at 1, 10 and 50 residents,
CPU time per turn, start-up and RSS of every run), `startup` (start-up and RSS
only, no load), `soak` (ours: 10,000 messages from 10,000 different senders,
RSS sampled every 1,000). Each figure: the median of --runs runs with the
spread (min-max); ratios are taken within each pair, then their median.
Results: bench/results/latency.json, startup.json, soak.json
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import httpx

from bench.common import (
    ROOT,
    VENV_BIN,
    WORK,
    bench_env,
    free_port,
    load_average,
    pair_ratios,
    spread,
    stop,
    summarise,
    write_result,
)

# Every conversation includes a place search (custom action + database query).
OUR_SCRIPTS: List[List[str]] = [
    ["hallo", "Is er een buurthuis in Malberg?", "dank je wel"],
    ["Is er een buurthuis in Malberg?", "Wat is er te doen in Wyckerpoort?", "doei"],
    ["goedemorgen", "Ik zoek een huiskamer in Heer", "bedankt"],
]
# rasa init's intents (greet, mood_*, affirm, goodbye, bot_challenge), the same
# shape and about the same length per message (tests/test_bench_common.py).
FLOOR_SCRIPTS: List[List[str]] = [
    ["hello there", "I am feeling very sad today", "yes that helped"],
    ["good morning", "I am feeling really great today", "see you later"],
    ["hey", "am I talking to a bot or a human?", "goodbye"],
]
# Replies that must contain a word: proof that the custom action and its query ran.
EXPECT = {"Is er een buurthuis in Malberg?": "Ruweel"}
LEVELS = (1, 10, 50)
MESSAGES_PER_LEVEL = {1: 60, 10: 300, 50: 500}
WARM_UP = 30
SOAK_MESSAGES = 10_000
SOAK_STEP = 1_000
TARGETS = {"p95_at_10_over_floor_max": 1.2, "throughput_at_10_over_floor_min": 1.0,
           "startup_over_floor_max": 1.2, "rss_over_floor_max": 1.1, "soak_growth_pct_max": 2.0}


def conversation_stream(scripts: Sequence[Sequence[str]]) -> Iterator[Tuple[str, str]]:
    """Endless (sender, text) pairs: each script once per new resident, in order."""
    for n in itertools.count():
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text in scripts[n % len(scripts)]:
            yield sender, text


def one_message_stream(scripts: Sequence[Sequence[str]]) -> Iterator[Tuple[str, str]]:
    """Endless (sender, text) pairs, every message from a sender never seen before."""
    texts = [text for script in scripts for text in script]
    for n in itertools.count():
        yield f"soak-{n}-{uuid.uuid4().hex[:8]}", texts[n % len(texts)]


@dataclass
class LoadResult:
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    checked: int = 0
    wrong: int = 0
    wall: float = 0.0


async def run_load(url: str, scripts, concurrency: int, total: int, timeout: float = 60.0,
                   stream: Callable = conversation_stream) -> LoadResult:
    """`concurrency` residents, each sending its conversation turn by turn."""
    result = LoadResult()
    remaining = [total]
    limits = httpx.Limits(max_connections=concurrency + 5,
                          max_keepalive_connections=concurrency + 5)

    async def resident(client: httpx.AsyncClient) -> None:
        pairs = stream(scripts)
        while remaining[0] > 0:
            remaining[0] -= 1
            sender, text = next(pairs)
            start = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": sender, "message": text})
                replies = response.json() if response.status_code == 200 else []
                ok = isinstance(replies, list) and bool(replies)
            except (httpx.HTTPError, json.JSONDecodeError):
                ok, replies = False, []
            result.latencies.append(time.perf_counter() - start)
            if text in EXPECT:
                result.checked += 1
                said = " ".join(r.get("text") or "" for r in replies if isinstance(r, dict))
                if EXPECT[text] not in said:
                    result.wrong += 1
            if not ok:
                result.errors += 1

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(resident(client) for _ in range(concurrency)))
        result.wall = time.perf_counter() - start
    return result


def _proc(pid: Optional[int]):
    import psutil

    return psutil.Process(pid) if pid else None


def rss_mb(pid: Optional[int]) -> Optional[float]:
    """RSS of one process (and its children, if any), in MB."""
    import psutil

    proc = _proc(pid)
    if proc is None:
        return None
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return round(total / 1024 / 1024, 1)


def cpu_s(pid: Optional[int]) -> float:
    """User + system CPU seconds of one process so far (load-independent)."""
    proc = _proc(pid)
    if proc is None:
        return 0.0
    times = proc.cpu_times()
    return times.user + times.system


class Stack:
    """An assistant (and, for ours, its action server), started as subprocesses."""

    name = "stack"
    scripts: List[List[str]] = []
    probe = "hallo"

    def __init__(self) -> None:
        self.procs: List[subprocess.Popen] = []
        self.logs: list = []
        self.port = free_port()
        self.startup_s: Optional[float] = None
        self.main_pid: Optional[int] = None
        self.actions_pid: Optional[int] = None

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def _spawn(self, args, cwd, env, log_name) -> subprocess.Popen:
        log = open(WORK / log_name, "w")
        self.logs.append(log)
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def spawn(self) -> None:
        raise NotImplementedError

    def start(self, timeout: float = 900.0) -> "Stack":
        """Spawn everything at t0; ready = the first answered message (the same
        test for both stacks: a real turn through the REST webhook)."""
        t0 = time.monotonic()
        self.spawn()
        while time.monotonic() - t0 < timeout:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{self.name}: {proc.args[0]} exited with {proc.returncode}")
            try:
                reply = httpx.post(self.webhook, json={"sender": f"ready-{uuid.uuid4().hex[:8]}",
                                                       "message": self.probe}, timeout=30)
                if reply.status_code == 200 and reply.json():
                    self.startup_s = round(time.monotonic() - t0, 2)
                    return self
            except (httpx.HTTPError, json.JSONDecodeError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout} s")

    def rss(self) -> Dict[str, Optional[float]]:
        service = rss_mb(self.main_pid)
        actions = rss_mb(self.actions_pid)
        return {"service_mb": service, "actions_mb": actions,
                "total_mb": round((service or 0) + (actions or 0), 1)}

    def cpu(self) -> Tuple[float, float]:
        return cpu_s(self.main_pid), cpu_s(self.actions_pid)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop(proc)
        for log in self.logs:
            log.close()


class OurStack(Stack):
    name = "ours"
    scripts = OUR_SCRIPTS

    def __init__(self, model: Path) -> None:
        super().__init__()
        self.model = model
        self.actions_port = free_port()
        self.var_dir = WORK / "var-ours"
        self.env = bench_env(
            ONTMOET_VAR_DIR=str(self.var_dir), ONTMOET_PSEUDONYM_KEY="bench-not-secret",
            ONTMOET_PORT=str(self.port), ONTMOET_MODEL_PATH=str(model),
            ONTMOET_ACTION_SERVER_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
            SANIC_HOST="127.0.0.1")
        # `ontmoet init` (database migrations) runs before t0, as in `make run`.
        shutil.rmtree(self.var_dir, ignore_errors=True)
        subprocess.run([str(VENV_BIN / "ontmoet"), "init"], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def spawn(self) -> None:
        actions = self._spawn([str(VENV_BIN / "python"), "-m", "bot.action_server", "--actions",
                               "actions", "-p", str(self.actions_port)], ROOT, self.env,
                              "ours-actions.log")
        self.actions_pid = actions.pid
        self.main_pid = self._spawn([str(VENV_BIN / "ontmoet"), "serve"], ROOT, self.env,
                                    "ours-serve.log").pid


class FloorStack(Stack):
    name = "floor"
    scripts = FLOOR_SCRIPTS
    probe = "hello"

    def __init__(self, floor_dir: Path, model: Path) -> None:
        super().__init__()
        self.dir = floor_dir
        self.model = model

    def spawn(self) -> None:
        self.main_pid = self._spawn(
            [str(VENV_BIN / "rasa"), "run", "-i", "127.0.0.1", "-p", str(self.port),
             "--model", str(self.model), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml"],
            self.dir, bench_env(SANIC_HOST="127.0.0.1"), "floor-serve.log").pid


def measure_levels(stack: Stack, levels: Sequence[int]) -> Dict[str, dict]:
    asyncio.run(run_load(stack.webhook, stack.scripts, 2, WARM_UP))
    out = {}
    for level in levels:
        total = MESSAGES_PER_LEVEL.get(level, level * 10)
        load = load_average()
        service0, actions0 = stack.cpu()
        result = asyncio.run(run_load(stack.webhook, stack.scripts, level, total))
        service1, actions1 = stack.cpu()
        count = len(result.latencies)
        out[str(level)] = {
            **summarise(result.latencies, result.wall, result.errors),
            "cpu_ms_per_msg_service": round((service1 - service0) / count * 1000, 2),
            "cpu_ms_per_msg_total": round((service1 - service0 + actions1 - actions0)
                                          / count * 1000, 2),
            "place_searches_checked": result.checked,
            "place_searches_wrong": result.wrong,
            "load_average_before": load,
        }
        print(f"    {stack.name} c={level}: {out[str(level)]}", flush=True)
    return out


# -- summaries (pure; unit-tested) -------------------------------------------------
FIGURES = ("p50_ms", "p95_ms", "p99_ms", "throughput_msg_s", "errors",
           "cpu_ms_per_msg_service", "cpu_ms_per_msg_total")


def summarise_levels(runs: List[dict], levels: Sequence[int]) -> Dict[str, dict]:
    """Per level: each figure's median and spread for both stacks, and the
    per-pair ratios ours/floor."""
    out: Dict[str, dict] = {}
    for level in (str(x) for x in levels):
        ours = [run["ours"]["levels"].get(level, {}) for run in runs]
        floor = [run["floor"]["levels"].get(level, {}) for run in runs]
        entry: Dict[str, dict] = {"ours": {}, "floor": {}, "ours_over_floor": {}}
        for name in FIGURES:
            entry["ours"][name] = spread([o.get(name) for o in ours])
            entry["floor"][name] = spread([f.get(name) for f in floor])
        for name in ("p50_ms", "p95_ms", "p99_ms", "throughput_msg_s", "cpu_ms_per_msg_total"):
            entry["ours_over_floor"][name] = pair_ratios([o.get(name) for o in ours],
                                                         [f.get(name) for f in floor])
        entry["ours"]["place_searches_wrong"] = sum(o.get("place_searches_wrong", 0)
                                                    for o in ours)
        entry["ours"]["place_searches_checked"] = sum(o.get("place_searches_checked", 0)
                                                      for o in ours)
        out[level] = entry
    return out


def _median(entry: Optional[dict]) -> Optional[float]:
    return entry["median"] if entry else None


def latency_targets(summary: Dict[str, dict]) -> Dict[str, object]:
    ten = summary.get("10", {}).get("ours_over_floor", {})
    p95 = _median(ten.get("p95_ms"))
    throughput = _median(ten.get("throughput_msg_s"))
    return {
        "p95_at_10_over_floor": p95,
        "p95_at_10_max": TARGETS["p95_at_10_over_floor_max"],
        "p95_at_10_met": p95 is not None and p95 <= TARGETS["p95_at_10_over_floor_max"],
        "throughput_at_10_over_floor": throughput,
        "throughput_at_10_min": TARGETS["throughput_at_10_over_floor_min"],
        "throughput_at_10_met": (throughput is not None
                                 and throughput >= TARGETS["throughput_at_10_over_floor_min"]),
    }


def startup_summary(runs: List[dict]) -> Dict[str, object]:
    """Start-up to ready and RSS after start, medians and per-pair ratios, with targets."""
    def col(stack: str, key: str, sub: Optional[str] = None) -> List[Optional[float]]:
        values = []
        for run in runs:
            value = run[stack].get(key)
            values.append(value.get(sub) if isinstance(value, dict) and sub else value)
        return values

    startup = pair_ratios(col("ours", "startup_s"), col("floor", "startup_s"))
    rss = pair_ratios(col("ours", "rss_after_start", "service_mb"),
                      col("floor", "rss_after_start", "service_mb"))
    rss_total = pair_ratios(col("ours", "rss_after_start", "total_mb"),
                            col("floor", "rss_after_start", "total_mb"))
    return {
        "ours_startup_s": spread(col("ours", "startup_s")),
        "floor_startup_s": spread(col("floor", "startup_s")),
        "startup_over_floor": startup,
        "startup_met": bool(startup) and startup["median"] <= TARGETS["startup_over_floor_max"],
        "ours_rss_service_mb": spread(col("ours", "rss_after_start", "service_mb"), 1),
        "ours_rss_actions_mb": spread(col("ours", "rss_after_start", "actions_mb"), 1),
        "floor_rss_service_mb": spread(col("floor", "rss_after_start", "service_mb"), 1),
        "rss_service_over_floor": rss,
        "rss_total_over_floor": rss_total,
        "rss_met": bool(rss) and rss["median"] <= TARGETS["rss_over_floor_max"],
        "targets": {k: TARGETS[k] for k in ("startup_over_floor_max", "rss_over_floor_max")},
    }


def soak_growth(samples: List[dict], warm_up: int = SOAK_STEP) -> Dict[str, object]:
    """RSS growth of the service from the first sample at or after `warm_up`
    messages to the last, in MB and percent (pure; unit-tested)."""
    after = [s for s in samples if s["messages"] >= warm_up]
    if len(after) < 2:
        return {"growth_mb": None, "growth_pct": None, "met": False}
    first, last = after[0]["rss_mb"], after[-1]["rss_mb"]
    pct = round((last - first) / first * 100, 2)
    peak = max(s["rss_mb"] for s in after)
    return {"from_messages": after[0]["messages"], "to_messages": after[-1]["messages"],
            "growth_mb": round(last - first, 1), "growth_pct": pct,
            "peak_over_first_pct": round((peak - first) / first * 100, 2),
            "met": abs(pct) <= TARGETS["soak_growth_pct_max"]}


# -- the parts ---------------------------------------------------------------------------
def _one_run(stack: Stack, levels: Sequence[int]) -> dict:
    stack.start()
    try:
        figures = {"startup_s": stack.startup_s, "rss_after_start": stack.rss(),
                   "load_average_at_start": load_average()}
        print(f"    {stack.name}: ready in {stack.startup_s} s, RSS {figures['rss_after_start']}",
              flush=True)
        if levels:
            figures["levels"] = measure_levels(stack, levels)
            figures["rss_after_load"] = stack.rss()
        return figures
    finally:
        stack.stop()


def run_pairs(model: Path, floor_dir: Path, floor_model: Path, runs: int,
              levels: Sequence[int]) -> List[dict]:
    out = []
    for run in range(1, runs + 1):
        print(f"==> run {run}/{runs}: floor (rasa init, rasa run)", flush=True)
        floor = _one_run(FloorStack(floor_dir, floor_model), levels)
        print(f"==> run {run}/{runs}: ours (ontmoet serve)", flush=True)
        ours = _one_run(OurStack(model), levels)
        out.append({"run": run, "floor": floor, "ours": ours})
    return out


def soak(model: Path, total: int, concurrency: int = 10,
         progress: Optional[Callable[[dict], None]] = None) -> dict:
    """`total` messages, each from a new sender; `progress` gets the figures so
    far after every sample (a long run that is stopped keeps them)."""
    stack = OurStack(model)
    stack.start()

    def figures(samples: List[dict]) -> dict:
        return {"startup_s": stack.startup_s, "concurrency": concurrency,
                "senders": samples[-1]["messages"], "senders_planned": total,
                "samples": samples, "service": soak_growth(samples),
                "actions": soak_growth([{"messages": s["messages"], "rss_mb": s["actions_rss_mb"]}
                                        for s in samples])}
    try:
        samples = [{"messages": 0, "rss_mb": rss_mb(stack.main_pid),
                    "actions_rss_mb": rss_mb(stack.actions_pid), "errors_so_far": 0}]
        sent = errors = 0
        while sent < total:
            batch = min(SOAK_STEP, total - sent)
            result = asyncio.run(run_load(stack.webhook, stack.scripts, concurrency, batch,
                                          stream=one_message_stream))
            errors += result.errors
            sent += batch
            samples.append({"messages": sent, "rss_mb": rss_mb(stack.main_pid),
                            "actions_rss_mb": rss_mb(stack.actions_pid),
                            "errors_so_far": errors,
                            "throughput_msg_s": round(batch / result.wall, 2),
                            "load_average": load_average()})
            print(f"    soak {samples[-1]}", flush=True)
            if progress is not None:
                progress(figures(samples))
        return figures(samples)
    finally:
        stack.stop()


def default_model() -> Path:
    from bench.train_bench import FULL_MODEL

    if FULL_MODEL.exists():
        return FULL_MODEL
    from bot.service import latest_model

    found = latest_model(ROOT / "models")
    if found is None:
        raise SystemExit("no full model: python -m bench.train_bench (or make train)")
    return found


def main(argv=None) -> None:
    from bench.train_bench import FLOOR_DIR, FLOOR_MODEL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="service,soak",
                        help="comma-separated: service, startup, soak")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--levels", default=",".join(str(x) for x in LEVELS))
    parser.add_argument("--soak", type=int, default=SOAK_MESSAGES, help="messages (= senders)")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    # SIGTERM (kill, systemd, timeout) must still stop the servers started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    WORK.mkdir(parents=True, exist_ok=True)
    model = args.model or default_model()
    if parts & {"service", "startup"} and not FLOOR_MODEL.exists():
        raise SystemExit("no floor model: python -m bench.train_bench --runs 1")
    command = f"python -m bench.service_bench --only {args.only} --runs {args.runs}"

    if "service" in parts or "startup" in parts:
        with_load = levels if "service" in parts else []
        runs = run_pairs(model, FLOOR_DIR, FLOOR_MODEL, args.runs, with_load)
        common = {"command": command, "model": str(model), "floor_model": str(FLOOR_MODEL),
                  "runs_count": args.runs, "method": "interleaved pairs (floor, ours)"}
        startup = startup_summary(runs)
        write_result("startup", {**common, "summary": startup,
                                 "runs": [{"run": r["run"],
                                           **{s: {k: r[s][k] for k in
                                                  ("startup_s", "rss_after_start",
                                                   "load_average_at_start")}
                                              for s in ("floor", "ours")}}
                                          for r in runs]})
        if with_load:
            summary = summarise_levels(runs, levels)
            write_result("latency", {**common, "levels": levels,
                                     "messages_per_level": {str(x): MESSAGES_PER_LEVEL.get(x, x * 10)
                                                            for x in levels},
                                     "summary": summary, "targets": latency_targets(summary),
                                     "runs": runs})
    if "soak" in parts and args.soak:
        print(f"==> soak: {args.soak} messages from {args.soak} different senders", flush=True)
        def save(figures: dict) -> None:
            write_result("soak", {"command": command, "model": str(model), **figures})

        save(soak(model, args.soak, progress=save))


if __name__ == "__main__":
    main()
