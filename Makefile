# Two commands on a fresh machine (Python 3.11, Node.js/npm, the machine's services):
#   make run   set up, migrate the embedded SQLite database, seed demo data, serve on :8080
#   make test  set up the same environment and run the whole suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
SECRET_FILE := .hub-secret-key

.PHONY: run test setup lint chromium clean

setup: $(VENV)/.installed node_modules/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# A stable key for the demo, so visitor tokens survive a restart of `make run`.
$(SECRET_FILE):
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	chmod 600 $@

run: setup $(SECRET_FILE)
	$(BIN)/hub migrate
	$(BIN)/hub seed-demo
	HUB_SECRET_KEY="$$(cat $(SECRET_FILE))" HUB_PUBLIC_URL=http://127.0.0.1:$(PORT) \
		$(BIN)/hub serve --host 127.0.0.1 --port $(PORT)

# Debian's chromium drives the browser tests; Playwright never downloads a browser. The
# CJK fonts let the Japanese and Chinese screenshots show text (Arabic is in DejaVu).
chromium:
	@test -x /usr/bin/chromium && test -d /usr/share/fonts/opentype/noto || { \
		echo "installing Debian's chromium and CJK fonts for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			$$SUDO apt-get install -y -qq chromium fonts-noto-cjk; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup chromium
	$(BIN)/ruff check .
	$(BIN)/mypy hub routing booking adapters
	$(BIN)/pytest

clean:
	rm -rf $(VENV) node_modules concierge.db concierge.db-wal concierge.db-shm test-output attachments
