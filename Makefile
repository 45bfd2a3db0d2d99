# ShortScience: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test install migrate demo rerender bench clean

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

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
