#!/usr/bin/env bash
# Starts the action server and the assistant service; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
HOST="${ONTMOET_HOST:-127.0.0.1}"
PORT="${ONTMOET_PORT:-5005}"
ACTIONS_PORT="${ONTMOET_ACTIONS_PORT:-5055}"
export ONTMOET_ACTION_SERVER_URL="${ONTMOET_ACTION_SERVER_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"

.venv/bin/ontmoet init

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "==> stoppen"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup INT TERM EXIT

# The action server takes calls only with the shared secret (ONTMOET_ACTION_SERVER_SECRET
# or var/action_server.secret, made by `ontmoet init`), which the service sends.
SANIC_HOST=127.0.0.1 .venv/bin/python -m bot.action_server --actions actions -p "$ACTIONS_PORT" &
pids+=($!)
.venv/bin/ontmoet serve &
pids+=($!)

echo "==> assistent starten (model laden: meestal 10-60 s)"
start=$(date +%s)
ready=""
# Ready when the service has its model loaded (/health 200) and the action server answers.
for _ in $(seq 1 300); do
  if curl -sf "http://${HOST}:${PORT}/health" >/dev/null 2>&1 \
     && curl -sf "http://127.0.0.1:${ACTIONS_PORT}/health" >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
  waited=$(( $(date +%s) - start ))
  if (( waited % 10 == 0 )); then echo "    ... nog bezig met opstarten (${waited} s)"; fi
done
if [ -z "$ready" ]; then
  echo "FOUT: de assistent antwoordt na $(( $(date +%s) - start )) s nog niet; zie de meldingen hierboven." >&2
  exit 1
fi
echo
echo "==> klaar na $(( $(date +%s) - start )) s"
echo "==> De assistent antwoordt nu. Open de chat: http://${HOST}:${PORT}/chat"
echo "    REST: curl -s -XPOST http://${HOST}:${PORT}/webhooks/rest/webhook -d '{\"sender\":\"t1\",\"message\":\"hallo\"}'"
echo "    Stoppen: Ctrl-C"
wait -n "${pids[@]}"
