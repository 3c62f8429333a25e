# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install demo messages check-messages lint clean prod-local

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "Python 3.11 or newer is needed" && exit 1)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo

run: demo
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/uvicorn cthainguyen.asgi:application --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/python -m pytest

# The production shape on loopback: nginx, gunicorn, uvicorn, a Celery worker and
# beat, moto's S3 server, on PostgreSQL and Redis (PROD_LOCAL_PORT=8080 by default).
prod-local: install
	$(BIN)/python deploy/prod_local.py

messages: install
	$(BIN)/python manage.py makemessages --locale vi --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'locale-vendor/*' --ignore 'bench/*' --ignore 'deploy/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale vi --ignore '.venv/*' --ignore 'var/*'

lint: install
	$(BIN)/python -m ruff check .

clean:
	rm -rf var .pytest_cache
