# Ontmoeten in Maastricht: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PY    := .venv/bin/python
RASA  := .venv/bin/rasa
DATA  := nlu_data dialogue
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup lookups train train-test run test test-unit lint validate bench bench-nlu clean

setup:
	@bash scripts/setup.sh

# NLU lookup tables and synonyms are generated from knowledge/ (never by hand).
lookups: setup
	@$(PY) -m knowledge.cli lookups

# Rasa's fingerprinting retrains only when data, domain or config changed.
train: lookups
	@bash scripts/train.sh

train-test: lookups
	$(RASA) train --config config.yml --data $(DATA) --out tests/.models --fixed-model-name test

validate: lookups
	$(RASA) data validate --data $(DATA) --config config.yml --fail-on-warnings

run: train
	@bash scripts/run.sh

# The full suite: unit tests, data validation, Rasa test stories against the
# test model, end-to-end tests (REST, channels, headless browser); pytest on
# ONTMOET_TEST_WORKERS parallel workers (default 2, pytest-xdist).
test: setup
	@bash scripts/test.sh

test-unit: setup
	$(PY) -m pytest -q -m "not model and not browser"

# ruff (lint, import order) and mypy (types); settings in pyproject.toml.
lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

# Service and training against a truly bare `rasa init` floor, trained and
# served in the same run (idle: ~15 min + 3 training pairs). One part: make bench ONLY=service
# (train, service, startup, soak, queue, breakdown, firstrun). bench/ trains its own models.
# firstrun (only when asked): a fresh clone through `make run` to its first answer.
ONLY ?=
bench: lookups
	@bash bench/run_all.sh $(if $(ONLY),--only $(ONLY))

# Understanding only: held-out set and its slices (long stories, unseen buurt
# typos, never-tuned crisis phrasings), 5-fold CV with the same config.yml, and
# the bag-of-words baseline. Trains six full models: about an hour on 2 cores.
bench-nlu: lookups
	$(PY) -m bench.nlu_eval

clean:
	rm -rf models tests/.models .rasa var results
