# ShortScience: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test install migrate demo rerender worker bench clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# The test tools (pytest, Playwright, ...) only for `make test`: `make run` stays a small install.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: migrate, collect static files, and serve with gunicorn (shortscience/gunicorn.conf.py reads
# HOST, PORT and WEB_CONCURRENCY). Needs DJANGO_DEBUG=0 and the production settings (README: Deploying).
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c shortscience/gunicorn.conf.py shortscience.wsgi:application

test: $(DEV_STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

rerender: install
	$(BIN)/python manage.py rerender_summaries

# Background tasks and their schedule (beat); needs CELERY_BROKER_URL, as the web processes do.
worker: install
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1): without it tasks run inline in the web processes."; exit 1; }
	$(BIN)/celery -A shortscience worker --beat --loglevel=info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
