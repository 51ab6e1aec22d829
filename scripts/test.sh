#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it:
#   0. ruff (lint, import order) and mypy (types), both must be clean
#   1. rasa data validate (no warnings allowed)
#   2. train the small test model (skipped when nothing changed)
#   3. start an action server for the tests on 127.0.0.1:5056 (shared secret header)
#   4. Rasa test stories (tests/test_*.yml) with --fail-on-prediction-errors
#   5. pytest: unit, end-to-end (REST, channels) and headless-browser tests, on
#      ONTMOET_TEST_WORKERS parallel workers (pytest-xdist; default 2, 0 = none)
set -euo pipefail
cd "$(dirname "$0")/.."
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false
export ONTMOET_VAR_DIR="$PWD/var/test"
export ONTMOET_PSEUDONYM_KEY="test-key-not-secret"
# A skipped test fails the run (see tests/conftest.py); ONTMOET_REQUIRE_SERVICES=0
# lets a developer without PostgreSQL, Redis or chromium see the rest pass.
export ONTMOET_REQUIRE_SERVICES="${ONTMOET_REQUIRE_SERVICES:-1}"
export ONTMOET_ACTION_SERVER_SECRET="test-action-secret-not-secret"
export ONTMOET_TEST_ACTIONS_PORT="${ONTMOET_TEST_ACTIONS_PORT:-5056}"
export ONTMOET_ACTION_SERVER_URL="http://127.0.0.1:${ONTMOET_TEST_ACTIONS_PORT}/webhook"
RASA=.venv/bin/rasa
DATA="nlu_data dialogue"

echo "==> ruff and mypy (settings in pyproject.toml)"
.venv/bin/ruff check .
.venv/bin/mypy

rm -rf "$ONTMOET_VAR_DIR"; mkdir -p "$ONTMOET_VAR_DIR"
.venv/bin/python -m knowledge.cli lookups

echo "==> rasa data validate"
$RASA data validate --data $DATA --config config.yml --fail-on-warnings

echo "==> test model"
start=$(date +%s)
$RASA train --config config.yml --data $DATA \
  --out tests/.models --fixed-model-name test
echo "test model ready in $(( $(date +%s) - start )) s"

.venv/bin/ontmoet init

echo "==> action server on :$ONTMOET_TEST_ACTIONS_PORT"
SANIC_HOST=127.0.0.1 .venv/bin/python -m bot.action_server --actions actions -p "$ONTMOET_TEST_ACTIONS_PORT" \
  > "$ONTMOET_VAR_DIR/actions.log" 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true; wait $actions_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:${ONTMOET_TEST_ACTIONS_PORT}/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "http://127.0.0.1:${ONTMOET_TEST_ACTIONS_PORT}/health" >/dev/null || { cat "$ONTMOET_VAR_DIR/actions.log"; exit 1; }

echo "==> Rasa test stories"
# Rasa's CLI reads the shared secret header from the environment (${...} in endpoints.yml).
sed "s|5055|${ONTMOET_TEST_ACTIONS_PORT}|" endpoints.yml > "$ONTMOET_VAR_DIR/endpoints.yml"
$RASA test core --model tests/.models/test.tar.gz --stories tests/ \
  --endpoints "$ONTMOET_VAR_DIR/endpoints.yml" --fail-on-prediction-errors \
  --out "$ONTMOET_VAR_DIR/story-results" --no-plot

echo "==> pytest"
# A test module stays on one worker, and all modules on the shared service form
# one unit, slow units first (tests/conftest.py, pytest_collection_modifyitems).
workers="${ONTMOET_TEST_WORKERS:-2}"
parallel=()
if [ "$workers" != 0 ]; then parallel=(-n "$workers" --dist loadgroup --no-loadscope-reorder); fi
.venv/bin/python -m pytest -q -rs -p no:cacheprovider "${parallel[@]}" "$@"
