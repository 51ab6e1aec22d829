#!/usr/bin/env bash
# `make train`: trains the full model when data, domain or config changed (Rasa's
# fingerprint), with an estimate first and the time it took afterwards.
# The estimate: this machine's last training (models/.train_seconds), else the
# median `make bench` measured (bench/results/training.json).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
record=models/.train_seconds
estimate=$(.venv/bin/python - "$record" <<'PY'
import json, sys
from pathlib import Path
def spoken(seconds):
    return f"{round(seconds)} s" if seconds < 90 else f"{round(seconds / 60)} min"
last = Path(sys.argv[1])
if last.exists():
    print(f"{spoken(float(last.read_text()))} (de vorige keer op deze computer)")
else:
    try:
        seconds = json.loads(Path("bench/results/training.json").read_text())["summary"]["full_seconds"]["median"]
        print(f"{spoken(seconds)} (gemeten met make bench op 2 cores)")
    except (OSError, KeyError, TypeError, ValueError):
        print("10-20 min")
PY
)
mkdir -p models
# Count with a glob, not `ls | wc -l`: with pipefail, ls on an empty models/ (a fresh
# clone) fails and would stop this script without a word.
count_models() { local m; shopt -s nullglob; m=(models/*.tar.gz); shopt -u nullglob; echo "${#m[@]}"; }
before=$(count_models)
echo "==> model trainen als data, domein of config veranderd zijn; duurt ongeveer $estimate"
start=$(date +%s)
# Every 30 s one line with the time so far, between Rasa's own messages.
( n=0; while sleep 1; do n=$(( n + 1 )); if (( n % 30 == 0 )); then
    echo "    ... trainen bezig: $(( $(date +%s) - start )) s (verwacht: ongeveer $estimate)"; fi; done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
trap 'echo "FOUT: model trainen mislukt; zie de meldingen hierboven." >&2' ERR
.venv/bin/rasa train --config config.yml --data nlu_data dialogue --out models
kill "$ticker" 2>/dev/null || true
seconds=$(( $(date +%s) - start ))
after=$(count_models)
if [ "$after" -gt "$before" ]; then
  echo "$seconds" > "$record"
  echo "==> model getraind in $(( seconds / 60 )) min $(( seconds % 60 )) s"
else
  echo "==> model is al actueel (niets veranderd)"
fi
