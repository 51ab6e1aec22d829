#!/usr/bin/env bash
# Creates .venv with Python 3.10 when missing and installs the project when
# pyproject.toml changed. Stops with a clear message when Python 3.10 is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for candidate in python3.10 "$HOME/.pyenv/shims/python3.10"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2]==(3,10)' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  for candidate in "$HOME"/.pyenv/versions/3.10*/bin/python3 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local v; v=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10' | tail -1 || true)
    if [ -n "$v" ]; then echo "$(pyenv root)/versions/$v/bin/python3"; return; fi
  fi
  return 1
}

if [ ! -x .venv/bin/python ]; then
  if ! PY=$(find_python); then
    echo "FOUT: Python 3.10 niet gevonden (Rasa 3.6 draait op 3.8-3.10)." >&2
    echo "Installeer Python 3.10, bijvoorbeeld met 'pyenv install 3.10.13', of zet PYTHON=/pad/naar/python3.10." >&2
    exit 1
  fi
  echo "==> .venv maken met $PY"
  "$PY" -m venv .venv
fi

if ! .venv/bin/python -c 'import sys; assert sys.version_info[:2]==(3,10)' 2>/dev/null; then
  echo "FOUT: .venv gebruikt geen Python 3.10. Verwijder .venv en probeer opnieuw." >&2
  exit 1
fi

stamp=.venv/.installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # The estimate: what `make bench ONLY=firstrun` measured from a fresh clone.
  estimate=$(.venv/bin/python - <<'PY' 2>/dev/null || echo "enkele minuten"
import json
r = json.load(open("bench/results/first_run.json"))
s = r["summary"]["install_seconds"]["median"]
print(f"{max(1, round(s / 60))} min (gemeten vanaf een verse kopie)")
PY
)
  echo "==> pakketten installeren (~3 GB); duurt ongeveer $estimate; pip meldt elk pakket"
  start=$(date +%s)
  .venv/bin/python -m pip install --quiet --upgrade pip wheel "setuptools<71"
  # one line per package pip collects, so a long install visibly moves
  set +e
  .venv/bin/python -m pip install --progress-bar off -e ".[test]" \
    | grep --line-buffered -E '^(Collecting|Successfully installed)' | cut -c1-100
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then echo "FOUT: pakketten installeren mislukt (pip: $status)" >&2; exit 1; fi
  echo "$want" > "$stamp"
  seconds=$(( $(date +%s) - start ))
  echo "==> pakketten geïnstalleerd in $(( seconds / 60 )) min $(( seconds % 60 )) s"
else
  echo "==> pakketten zijn al geïnstalleerd"
fi
