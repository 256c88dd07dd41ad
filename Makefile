# Two commands do everything from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Everything make starts is a local, development platform: the services are in production
# mode (and refuse the development secrets) unless HOTLINE_ENV says otherwise.
export HOTLINE_ENV ?= development
export HOTLINE_KAFKA_BOOTSTRAP ?= 127.0.0.1:19092
export HOTLINE_DATABASE_URL    ?= postgresql://postgres@127.0.0.1:55432/hotline

.PHONY: venv stack stack-down browser demo test unit quick lint lock

$(BIN)/hotline: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

venv: $(BIN)/hotline

## stack: start Kafka and PostgreSQL, apply migrations, create topics (idempotent)
stack: venv
	$(BIN)/hotline stack up
	$(BIN)/hotline setup

stack-down: venv
	$(BIN)/hotline stack down

## demo: the platform running, with appeals followed through all five services
demo: stack
	$(BIN)/hotline demo $(DEMO_ARGS)

## browser: Debian's chromium and CJK fonts for the browser tests (installed when missing, as root):
## without fonts-noto-cjk, screenshots show boxes where the Chinese text is
browser:
	@need=""; command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	fc-list 2>/dev/null | grep -qi 'Noto.*CJK' || need="$$need fonts-noto-cjk"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's$$need for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$need >/dev/null; \
	  else echo "missing:$$need - browser tests skip here (and fail under CI)"; fi; fi

## lint: ruff (lint, import order) and mypy (strict for shared/ and services/*/domain), as configured in pyproject.toml
lint: venv
	$(BIN)/ruff check shared services hotline tests
	$(BIN)/mypy

## test: lint, then the whole suite (unit, integration, end-to-end) against the real stack
test: lint stack browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## unit: the fast tests only, no stack needed
unit: venv
	$(BIN)/python -m pytest -m "not integration and not e2e and not slow" $(PYTEST_ARGS)

## quick: the whole suite but the slow chaos/reliability scenarios (marker `slow`)
quick: stack browser
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

## lock: the image's dependency lock (with hashes) from pyproject.toml, the source of truth
lock: venv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
	    --no-header -o deploy/requirements.lock
