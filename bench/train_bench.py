"""Training time: our full model against a truly bare floor, in interleaved pairs.

    .venv/bin/python -m bench.train_bench [--runs 3]

The floor is what `rasa init --no-prompt` writes (bench.common.prepare_floor):
its own config.yml (Rasa's default pipeline and policies), domain and data.
Each run trains the floor, then our full model (config.yml, nlu_data/ and
dialogue/), both with `rasa train --force` and a private Rasa cache, so a
load change during the benchmark hits both halves of a pair. Figures: the
median of the runs with their spread (min-max), and the median of the per-pair
ratios. Work files: $ONTMOET_BENCH_WORK (default /tmp/ontmoet-bench); the models
of the last run are kept there for bench/service_bench.py.
Result: bench/results/training.json
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, List

from bench.common import (
    ROOT,
    VENV_BIN,
    WORK,
    bench_env,
    load_average,
    pair_ratios,
    prepare_floor,
    spread,
    write_result,
)

RASA = str(VENV_BIN / "rasa")
DATA = ["nlu_data", "dialogue"]
FLOOR_DIR = WORK / "floor"
FLOOR_MODEL = FLOOR_DIR / "models" / "floor.tar.gz"
FULL_MODEL = WORK / "model-full" / "full.tar.gz"
TARGET = 1.5  # issue 20.2: full model at most 1.5 x the floor's training time


def _train(args, cwd: Path, out: Path, log: Path) -> Dict[str, object]:
    """Wall-clock seconds and CPU seconds (children's user + system) of one training."""
    import resource

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = load_average()
    start = time.monotonic()
    with open(log, "w") as fh:
        subprocess.run(args + ["--out", str(out)], cwd=cwd, env=bench_env(), check=True,
                       stdout=fh, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "load_before": load,
            "load_after": load_average()}


def train_floor(run: int, directory: Path = FLOOR_DIR) -> Dict[str, object]:
    """The bare floor (`rasa init` scaffold) in `directory`, trained from scratch
    (also used by bench/first_run.py, in its own directory)."""
    prepare_floor(directory)
    figures = _train([RASA, "train", "--force", "--fixed-model-name", "floor"], directory,
                     directory / "models", WORK / f"train-{directory.name}-{run}.log")
    return {"run": run, **figures}


def train_full(run: int) -> Dict[str, object]:
    figures = _train([RASA, "train", "--force", "--config", "config.yml", "--data", *DATA,
                      "--fixed-model-name", "full"], ROOT, FULL_MODEL.parent,
                     WORK / f"train-full-{run}.log")
    return {"run": run, **figures}


def summary(floor: List[dict], full: List[dict]) -> Dict[str, object]:
    """Medians, spreads and the per-pair ratio against the target (pure; unit-tested)."""
    ratios = pair_ratios([r["seconds"] for r in full], [r["seconds"] for r in floor])
    cpu_ratios = pair_ratios([r.get("cpu_seconds") for r in full],
                             [r.get("cpu_seconds") for r in floor])
    median = ratios["median"] if ratios else None
    return {
        "floor_seconds": spread([r["seconds"] for r in floor], 1),
        "full_seconds": spread([r["seconds"] for r in full], 1),
        "floor_cpu_seconds": spread([r.get("cpu_seconds") for r in floor], 1),
        "full_cpu_seconds": spread([r.get("cpu_seconds") for r in full], 1),
        "full_over_floor": ratios,
        "full_over_floor_cpu": cpu_ratios,
        "target": TARGET,
        "met": median is not None and median <= TARGET,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(VENV_BIN / "python"), "-m", "knowledge.cli", "lookups"], cwd=ROOT,
                   env=bench_env(), check=True, stdout=subprocess.DEVNULL)
    floor: List[dict] = []
    full: List[dict] = []
    out = None
    for run in range(1, args.runs + 1):
        print(f"==> training run {run}/{args.runs}: floor (rasa init)", flush=True)
        floor.append(train_floor(run))
        print(f"    floor {floor[-1]['seconds']} s", flush=True)
        print(f"==> training run {run}/{args.runs}: full model (config.yml)", flush=True)
        full.append(train_full(run))
        print(f"    full {full[-1]['seconds']} s", flush=True)
        # Written after every pair, so a long run that is stopped keeps its figures.
        out = write_result("training", {
            "command": "python -m bench.train_bench",
            "method": "interleaved pairs (floor, ours); rasa train --force, private cache",
            "floor": floor, "full": full, "summary": summary(floor, full),
            "models": {"floor": str(FLOOR_MODEL), "full": str(FULL_MODEL)},
        })
    print(out)


if __name__ == "__main__":
    main()
