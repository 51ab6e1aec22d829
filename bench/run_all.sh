#!/usr/bin/env bash
# The service and training benchmarks against a truly bare floor (`make bench`).
#   bash bench/run_all.sh [--only train,service,startup,soak,queue,breakdown,firstrun]
# Default: train, service, soak, queue, then the tables in docs/BENCHMARKS.md
# (bench/report.py). Understanding (NLU) has its own target: `make bench-nlu`.
# firstrun (only when asked): a fresh clone through `make run` to its first answer,
# BENCH_FIRSTRUN_RUNS times (default 1; each a new .venv and training, ~10 min).
# On an idle 2-core machine: service, start-up and soak about 15 minutes; each
# training pair the floor's time plus the full model's (today about 3 + 10 min,
# so three pairs about 40 min; BENCH_TRAIN_RUNS=1 for a quicker look). Every
# figure records the load average: run it when the machine is otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
export ONTMOET_BENCH_WORK="${ONTMOET_BENCH_WORK:-/tmp/ontmoet-bench}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
PY=.venv/bin/python
RUNS="${BENCH_RUNS:-3}"              # service/start-up pairs
TRAIN_RUNS="${BENCH_TRAIN_RUNS:-$RUNS}" # training pairs: each one floor + full model
ONLY="train,service,soak,queue"
if [ "${1:-}" = "--only" ] && [ -n "${2:-}" ]; then ONLY="$2"; fi
has() { [[ ",$ONLY," == *",$1,"* ]]; }
start=$(date +%s)
uptime
if has train; then
  echo "==> 5. training time: floor (rasa init) and full model, $TRAIN_RUNS interleaved pairs"
  $PY -m bench.train_bench --runs "$TRAIN_RUNS"
fi
parts=""
for part in service startup soak; do has "$part" && parts="${parts:+$parts,}$part"; done
if [ -n "$parts" ]; then
  echo "==> 2 + 3. turns, start-up and memory against the floor ($parts)"
  $PY -m bench.service_bench --only "$parts" --runs "$RUNS"
fi
if has queue; then
  echo "==> 4. handoff queue"
  $PY -m bench.queue_bench
fi
if has firstrun; then
  echo "==> first run from a fresh clone (make run), ${BENCH_FIRSTRUN_RUNS:-1} run(s)"
  $PY -m bench.first_run --runs "${BENCH_FIRSTRUN_RUNS:-1}"
fi
if has breakdown; then
  echo "==> where the time goes, per graph node"
  $PY -m bench.breakdown
fi
$PY -m bench.report
uptime
echo "==> done in $(( ($(date +%s) - start) / 60 )) min"
