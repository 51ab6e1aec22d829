"""Benchmark 5: training time of the full model, the test model and the bare floor.

    .venv/bin/python -m bench.train_bench [--only full,test,bare]

Trains into private folders under $ONTMOET_BENCH_WORK (default /tmp/ontmoet-bench)
with a private Rasa cache, so nothing the other engineers use is touched.
The bare assistant is `rasa init --no-prompt` trained with our config.yml: the
floor for the latency benchmark (bench/latency.py).
Result: bench/results/training.json
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path

from bench.common import ROOT, VENV_BIN, WORK, bench_env, load_average, write_result

RASA = str(VENV_BIN / "rasa")
DATA = ["nlu_data", "dialogue"]
BARE_DIR = WORK / "bare"


def _train(args, cwd: Path, out: Path, log: Path) -> float:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = bench_env()
    start = time.monotonic()
    with open(log, "w") as fh:
        subprocess.run(args + ["--out", str(out)], cwd=cwd, env=env, check=True,
                       stdout=fh, stderr=subprocess.STDOUT)
    return time.monotonic() - start


def train_ours(config: str, name: str) -> dict:
    out = WORK / f"model-{name}"
    load_before = load_average()
    seconds = _train([RASA, "train", "--force", "--config", config,
                      "--data", *DATA, "--fixed-model-name", name],
                     ROOT, out, WORK / f"train-{name}.log")
    return {"config": config, "seconds": round(seconds, 1), "model": str(out / f"{name}.tar.gz"),
            "load_before": load_before, "load_after": load_average()}


def prepare_bare() -> Path:
    """`rasa init --no-prompt` in a fresh folder, with our pipeline and policies."""
    if BARE_DIR.exists():
        shutil.rmtree(BARE_DIR)
    BARE_DIR.mkdir(parents=True)
    subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(BARE_DIR)], cwd=BARE_DIR,
                   env=bench_env(), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    for model in (BARE_DIR / "models").glob("*.tar.gz"):
        model.unlink()  # trained with rasa's default config: not our pipeline
    config = (ROOT / "config.yml").read_text().replace(
        "assistant_id: ontmoet-maastricht", "assistant_id: bare-floor")
    (BARE_DIR / "config.yml").write_text(config)
    return BARE_DIR


def train_bare() -> dict:
    prepare_bare()
    load_before = load_average()
    seconds = _train([RASA, "train", "--force", "--fixed-model-name", "bare"], BARE_DIR,
                     BARE_DIR / "models", WORK / "train-bare.log")
    return {"config": "config.yml (ours) on rasa init data", "seconds": round(seconds, 1),
            "model": str(BARE_DIR / "models" / "bare.tar.gz"),
            "load_before": load_before, "load_after": load_average()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="bare,test,full")
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(VENV_BIN / "python"), "-m", "knowledge.cli", "lookups"], cwd=ROOT,
                   env=bench_env(), check=True, stdout=subprocess.DEVNULL)
    results = {}
    out = None
    path = ROOT / "bench" / "results" / "training.json"
    if path.exists():  # keep figures of the parts not re-run
        import json
        results = json.loads(path.read_text()).get("models", {})
    for name in wanted:
        print(f"==> training {name}", flush=True)
        if name == "bare":
            results["bare"] = train_bare()
        elif name == "test":
            results["test"] = train_ours("tests/config.test.yml", "test")
        elif name == "full":
            results["full"] = train_ours("config.yml", "full")
        print(f"    {results[name]['seconds']} s", flush=True)
        # Written after every model, so a long run that is stopped keeps its figures.
        out = write_result("training", {"command": "python -m bench.train_bench", "models": results})
    print(out)


if __name__ == "__main__":
    main()
