"""Shared helpers for the benchmarks in bench/ (pure parts are unit-tested).

Every benchmark writes one JSON file to bench/results/ with the machine it ran
on (`machine_info()`), so a figure is never separated from its context.
"""
from __future__ import annotations

import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = Path(os.environ.get("ONTMOET_BENCH_WORK", "/tmp/ontmoet-bench"))
VENV_BIN = Path(sys.executable).parent


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("no values")
    if not 0 <= pct <= 100:
        raise ValueError("pct must be within 0..100")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(latencies_s: Sequence[float], wall_s: float, errors: int = 0) -> Dict[str, float]:
    """p50/p95/p99 in milliseconds and throughput in messages per second."""
    count = len(latencies_s)
    return {
        "messages": count,
        "errors": errors,
        "p50_ms": round(percentile(latencies_s, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies_s, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies_s, 99) * 1000, 1),
        "mean_ms": round(sum(latencies_s) / count * 1000, 1),
        "throughput_msg_s": round(count / wall_s, 2) if wall_s > 0 else 0.0,
        "wall_s": round(wall_s, 2),
    }


def ratio(ours: float, floor: float) -> Optional[float]:
    return round(ours / floor, 2) if floor else None


def spread(values: Sequence[Optional[float]], digits: int = 2) -> Optional[Dict[str, object]]:
    """Median of the runs with their spread: {"median", "min", "max", "runs"}
    (None when no run gave a figure). An even count takes the mean of the two
    middle values."""
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    mid = len(present) // 2
    median = present[mid] if len(present) % 2 else (present[mid - 1] + present[mid]) / 2
    return {"median": round(median, digits), "min": round(present[0], digits),
            "max": round(present[-1], digits), "runs": [round(v, digits) for v in values
                                                        if v is not None]}


def pair_ratios(ours: Sequence[Optional[float]], floor: Sequence[Optional[float]],
                digits: int = 2) -> Optional[Dict[str, object]]:
    """Ratio ours/floor within each interleaved pair (run i of both), then the
    median and spread of those ratios: load drifts hit both halves of a pair."""
    return spread([ratio(o, f) if o is not None and f else None
                   for o, f in zip(ours, floor, strict=False)], digits)


def prepare_floor(path: Path) -> Path:
    """A truly bare floor: what `rasa init --no-prompt` writes (Rasa's own
    scaffold: its config.yml, domain, data, endpoints, credentials), without the
    training `rasa init` does at the end; bench/train_bench.py trains it like ours."""
    import shutil

    from rasa.cli.scaffold import create_initial_project

    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    # distutils' copy_tree (used by Rasa's scaffold) remembers the folders it made
    # in this process; after the rmtree above the second pair would fail with
    # "could not create .../actions/__init__.py". Forget them.
    from setuptools._distutils import dir_util

    dir_util._path_created.clear()
    create_initial_project(str(path))
    for model in (path / "models").glob("*.tar.gz"):
        model.unlink()
    return path


def load_average() -> List[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine_info() -> Dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hostname_hash": str(abs(hash(socket.gethostname())) % 10_000),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_total": mem_total,
        "python": platform.python_version(),
        "load_average_when_written": load_average(),
    }


def write_result(name: str, payload: Dict[str, object]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine_info(), **payload}
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def bench_env(**extra: str) -> Dict[str, str]:
    """Environment for child processes: private Rasa cache, no telemetry."""
    env = dict(os.environ)
    WORK.mkdir(parents=True, exist_ok=True)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        RASA_CACHE_DIRECTORY=str(WORK / "rasa-cache"),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
    )
    # The shared .venv's `ontmoet` script may point at another checkout: this one first.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 600.0, proc: Optional[subprocess.Popen] = None) -> float:
    """Poll `url` until it answers 200; returns the seconds waited."""
    import httpx

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def stop(proc: Optional[subprocess.Popen]) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def markdown_table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join("" if c is None else str(c) for c in row) + " |")
    return "\n".join(lines)
