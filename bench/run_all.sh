#!/usr/bin/env bash
# All benchmarks, one after the other (`make bench`). Results: bench/results/*.json
# and the tables in docs/BENCHMARKS.md. Takes 30-60 minutes on 2 cores.
# Run when the machine is otherwise idle: every figure records the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
export ONTMOET_BENCH_WORK="${ONTMOET_BENCH_WORK:-/tmp/ontmoet-bench}"
PY=.venv/bin/python
uptime
echo "==> 5. training time (bare floor, test model, full model)"
$PY -m bench.train_bench --only bare,test,full
echo "==> 1. NLU (bench/nlu_eval.py, its own section)"
$PY -m bench.nlu_eval --cv-config tests/config.test.yml || echo "nlu_eval failed (see its output)"
echo "==> 4. handoff queue"
$PY -m bench.queue_bench
echo "==> 2 + 3. turn latency, throughput, start-up and memory"
$PY -m bench.service_bench --soak 10000
$PY -m bench.breakdown
$PY -m bench.report
uptime
