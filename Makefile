# Resonanz: `make run` serves on http://127.0.0.1:5000, `make test` runs the whole suite.
# `make run` is the production server: gunicorn with request-buffering workers
# (survey/serving.py: 2 workers x 4 threads; RESONANZ_WORKERS, RESONANZ_THREADS).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run dev test lint bench demo translations extract-messages clean
.DELETE_ON_ERROR:

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

MO_FILES := $(patsubst %.po,%.mo,$(wildcard survey/translations/*/LC_MESSAGES/messages.po))

survey/translations/%.mo: survey/translations/%.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ --statistics

translations: $(MO_FILES)

# A random secret key for this checkout, made once; the instance folder is not tracked.
instance/config.py:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

run: $(VENV)/.installed translations instance/config.py
	$(FLASK) db upgrade
	$(FLASK) survey load survey/definitions/*.yaml
	$(BIN)/gunicorn -c python:survey.serving --bind $(HOST):$(PORT) "app:create_app()"

dev: $(VENV)/.installed translations instance/config.py
	$(FLASK) db upgrade
	$(FLASK) survey load survey/definitions/*.yaml
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# 5,000 demo responses and a published release, so that findings show at once.
demo: $(VENV)/.installed translations instance/config.py
	$(FLASK) db upgrade
	$(FLASK) survey load survey/definitions/*.yaml
	$(FLASK) demo-data xing-linkedin --responses 5000 --seed 1
	$(FLASK) release publish xing-linkedin

bench: $(VENV)/.installed-dev translations
	$(BIN)/python -m bench

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F survey/translations/babel.cfg -k _l --no-location -o survey/translations/messages.pot app.py survey reports templates
	$(BIN)/pybabel update -i survey/translations/messages.pot -d survey/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache $(MO_FILES)
