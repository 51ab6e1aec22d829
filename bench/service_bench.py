"""Benchmarks 2 and 3: turn latency, throughput, start-up time and memory.

    .venv/bin/python -m bench.service_bench [--soak 10000] [--levels 1,10,50]

Two stacks on 127.0.0.1, one after the other, each with its own action server:

* ours: `ontmoet serve` (REST channel, SQL tracker store, custom actions with
  database queries) on the full model;
* floor: the `rasa init --no-prompt` assistant trained with our config.yml
  (bench/train_bench.py), served by `rasa run` with its action server and
  Rasa's default in-memory tracker store.

Simulated residents post a short conversation each through the REST webhook
(a new resident per conversation, so the per-resident rate limit never trips)
and measure the full turn (HTTP in to reply out). After the latency levels the
`ours` stack keeps going up to --soak messages; RSS (psutil) is sampled after
start and along the way, so a leak shows as growth.
Results: bench/results/latency.json and bench/results/startup_memory.json
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import httpx

from bench.common import (
    ROOT,
    VENV_BIN,
    WORK,
    bench_env,
    free_port,
    load_average,
    ratio,
    stop,
    summarise,
    wait_http,
    write_result,
)

# Every conversation includes a place search (custom action + database query).
OUR_SCRIPTS: List[List[str]] = [
    ["hallo", "Is er een buurthuis in Malberg?", "dank je wel"],
    ["Is er een buurthuis in Malberg?", "Wat is er te doen in Wyckerpoort?", "doei"],
    ["goedemorgen", "Ik zoek een huiskamer in Heer", "bedankt"],
]
BARE_SCRIPTS: List[List[str]] = [
    ["hello", "I am sad", "yes", "bye"],
    ["hi", "great", "goodbye"],
    ["hey", "are you a bot?", "bye"],
]
# Replies that must contain a word: proof that the custom action and its query ran.
EXPECT = {"Is er een buurthuis in Malberg?": "Ruweel"}
DEFAULT_LEVELS = (1, 10, 50)
MESSAGES_PER_LEVEL = {1: 90, 10: 400, 50: 600}


def conversation_stream(scripts: Sequence[Sequence[str]]):
    """Endless (sender, text) pairs: each script once per new resident, in order."""
    for n in itertools.count():
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text in scripts[n % len(scripts)]:
            yield sender, text


@dataclass
class LoadResult:
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    checked: int = 0
    wrong: int = 0
    wall: float = 0.0


async def run_load(url: str, scripts, concurrency: int, total: int,
                   timeout: float = 60.0) -> LoadResult:
    """`concurrency` residents, each sending its conversation turn by turn."""
    result = LoadResult()
    remaining = [total]
    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5)

    async def resident(client: httpx.AsyncClient) -> None:
        stream = conversation_stream(scripts)
        while remaining[0] > 0:
            remaining[0] -= 1
            sender, text = next(stream)
            start = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": sender, "message": text})
                replies = response.json() if response.status_code == 200 else []
                ok = bool(replies)
            except (httpx.HTTPError, json.JSONDecodeError):
                ok, replies = False, []
            if text in EXPECT:
                result.checked += 1
                said = " ".join(r.get("text", "") for r in replies if isinstance(r, dict))
                if EXPECT[text] not in said:
                    result.wrong += 1
            result.latencies.append(time.perf_counter() - start)
            if not ok:
                result.errors += 1

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(resident(client) for _ in range(concurrency)))
        result.wall = time.perf_counter() - start
    return result


def rss_mb(pid: int) -> float:
    import psutil

    proc = psutil.Process(pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return round(total / 1024 / 1024, 1)


class Stack:
    """An assistant and its action server, started as subprocesses."""

    name = "stack"
    scripts: List[List[str]] = []

    def __init__(self) -> None:
        self.procs: List[subprocess.Popen] = []
        self.logs = []
        self.port = free_port()
        self.actions_port = free_port()
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
        self.var_dir = WORK / "var-ours"

    def start(self) -> "OurStack":
        import shutil

        shutil.rmtree(self.var_dir, ignore_errors=True)
        env = bench_env(ONTMOET_VAR_DIR=str(self.var_dir), ONTMOET_PSEUDONYM_KEY="bench-not-secret",
                        ONTMOET_PORT=str(self.port), ONTMOET_MODEL_PATH=str(self.model),
                        ONTMOET_ACTION_SERVER_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
                        SANIC_HOST="127.0.0.1")
        subprocess.run([str(VENV_BIN / "ontmoet"), "init"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        actions = self._spawn([str(VENV_BIN / "python"), "-m", "bot.action_server", "--actions",
                               "actions", "-p", str(self.actions_port)], ROOT, env,
                              "ours-actions.log")
        self.actions_pid = actions.pid
        wait_http(f"http://127.0.0.1:{self.actions_port}/health", proc=actions)
        t0 = time.monotonic()
        main = self._spawn([str(VENV_BIN / "ontmoet"), "serve"], ROOT, env, "ours-serve.log")
        self.main_pid = main.pid
        wait_http(f"http://127.0.0.1:{self.port}/health", proc=main, timeout=900)
        self.startup_s = round(time.monotonic() - t0, 1)
        return self


class BareStack(Stack):
    name = "bare"
    scripts = BARE_SCRIPTS

    def __init__(self, bare_dir: Path) -> None:
        super().__init__()
        self.dir = bare_dir

    def start(self) -> "BareStack":
        env = bench_env(SANIC_HOST="127.0.0.1")
        endpoints = WORK / "bare-endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: http://127.0.0.1:{self.actions_port}/webhook\n")
        actions = self._spawn([str(VENV_BIN / "rasa"), "run", "actions", "-p", str(self.actions_port)],
                              self.dir, env, "bare-actions.log")
        self.actions_pid = actions.pid
        wait_http(f"http://127.0.0.1:{self.actions_port}/health", proc=actions)
        t0 = time.monotonic()
        main = self._spawn([str(VENV_BIN / "rasa"), "run", "-i", "127.0.0.1", "-p", str(self.port),
                            "--model", str(self.dir / "models" / "bare.tar.gz"),
                            "--endpoints", str(endpoints), "--credentials", "credentials.yml"],
                           self.dir, env, "bare-serve.log")
        self.main_pid = main.pid
        wait_http(f"http://127.0.0.1:{self.port}/", proc=main, timeout=900)
        self.startup_s = round(time.monotonic() - t0, 1)
        return self


def measure_levels(stack: Stack, levels: Sequence[int]) -> Dict[str, dict]:
    asyncio.run(run_load(stack.webhook, stack.scripts, 2, 20))  # warm-up
    out = {}
    for level in levels:
        total = MESSAGES_PER_LEVEL.get(level, level * 10)
        load = load_average()
        result = asyncio.run(run_load(stack.webhook, stack.scripts, level, total))
        out[str(level)] = {**summarise(result.latencies, result.wall, result.errors),
                           "place_searches_checked": result.checked,
                           "place_searches_wrong": result.wrong,
                           "load_average_before": load}
        print(f"    {stack.name} c={level}: {out[str(level)]}", flush=True)
    return out


def compare(ours: Dict[str, dict], floor: Dict[str, dict]) -> Dict[str, dict]:
    out = {}
    for level, figures in ours.items():
        base = floor.get(level)
        if not base:
            continue
        out[level] = {
            "p50_over_floor": ratio(figures["p50_ms"], base["p50_ms"]),
            "p95_over_floor": ratio(figures["p95_ms"], base["p95_ms"]),
            "p99_over_floor": ratio(figures["p99_ms"], base["p99_ms"]),
            "throughput_over_floor": ratio(figures["throughput_msg_s"], base["throughput_msg_s"]),
        }
    return out


def targets(ours: Dict[str, dict], comparison: Dict[str, dict]) -> Dict[str, object]:
    p95_ratio = comparison.get("10", {}).get("p95_over_floor")
    best = max((f["throughput_msg_s"] for f in ours.values()), default=0.0)
    return {
        "p95_at_10_over_floor": p95_ratio,
        "p95_at_10_target": 1.5,
        "p95_at_10_met": p95_ratio is not None and p95_ratio <= 1.5,
        "max_throughput_msg_s": best,
        "throughput_target_msg_s": 20,
        "throughput_met": best >= 20,
    }


def default_model() -> Path:
    own = WORK / "model-full" / "full.tar.gz"
    if own.exists():
        return own
    from bot.service import latest_model

    found = latest_model(ROOT / "models")
    if found is None:
        raise SystemExit("no full model: run `make train` or python -m bench.train_bench --only full")
    return found


def soak(stack: Stack, total: int, already: int, concurrency: int = 10) -> List[dict]:
    samples = [{"messages": already, "rss_mb": rss_mb(stack.main_pid)}]
    sent = already
    step = 1000
    errors = 0
    while sent < total:
        batch = min(step - sent % step, total - sent)
        result = asyncio.run(run_load(stack.webhook, stack.scripts, concurrency, batch))
        errors += result.errors
        sent += batch
        samples.append({"messages": sent, "rss_mb": rss_mb(stack.main_pid),
                        "actions_rss_mb": rss_mb(stack.actions_pid), "errors_so_far": errors,
                        "throughput_msg_s": round(batch / result.wall, 2)})
        print(f"    soak {samples[-1]}", flush=True)
    return samples


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument(
        "--soak", type=int, default=10_000, help="messages before the last RSS sample (0: skip)"
    )
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--bare-dir", type=Path, default=WORK / "bare")
    parser.add_argument("--skip-bare", action="store_true")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    # SIGTERM (kill, systemd, timeout) must still stop the servers started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    WORK.mkdir(parents=True, exist_ok=True)
    model = args.model or default_model()

    floor: Dict[str, dict] = {}
    bare_startup = bare_rss = None
    if not args.skip_bare:
        if not (args.bare_dir / "models" / "bare.tar.gz").exists():
            raise SystemExit("no bare model: python -m bench.train_bench --only bare")
        print("==> floor: bare rasa init assistant", flush=True)
        bare = BareStack(args.bare_dir)
        try:
            bare.start()
            bare_startup, bare_rss = bare.startup_s, rss_mb(bare.main_pid)
            if levels:
                floor = measure_levels(bare, levels)
        finally:
            bare.stop()

    print(f"==> ours: {model}", flush=True)
    ours_stack = OurStack(model)
    try:
        ours_stack.start()
        rss_start = rss_mb(ours_stack.main_pid)
        actions_rss_start = rss_mb(ours_stack.actions_pid)
        ours = measure_levels(ours_stack, levels) if levels else {}
        comparison = compare(ours, floor)
        if levels:  # --levels "" measures start-up and memory only
            write_result("latency", {
                "command": "python -m bench.service_bench",
                "model": str(model), "levels": levels,
                "messages_per_level": {str(level): MESSAGES_PER_LEVEL.get(level, level * 10)
                                       for level in levels},
                "ours": ours, "floor": floor, "ours_over_floor": comparison,
                "targets": targets(ours, comparison),
            })
        samples = []
        if args.soak:
            already = (20 + sum(MESSAGES_PER_LEVEL.get(level, level * 10) for level in levels)
                       if levels else 0)
            samples = soak(ours_stack, args.soak, already)
        growth = round(samples[-1]["rss_mb"] - rss_start, 1) if samples else None
        write_result("startup_memory", {
            "command": "python -m bench.service_bench",
            "model": str(model),
            "ours": {"startup_to_ready_s": ours_stack.startup_s, "rss_after_start_mb": rss_start,
                     "actions_rss_after_start_mb": actions_rss_start,
                     "rss_samples": samples, "rss_growth_mb": growth},
            "floor": {"startup_to_ready_s": bare_startup, "rss_after_start_mb": bare_rss},
            "soak_concurrency": 10,
        })
    finally:
        ours_stack.stop()


if __name__ == "__main__":
    main()
