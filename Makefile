# One entry point per job: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint soak bench screenshots console clean distclean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)
	@echo "tasker is installed in $(BIN); '. $(BIN)/activate' puts it on this shell's PATH"

# A fresh demo every time: the last one's database, gateway ledger and outbox go first.
# (To resume a demo where it stopped: tasker --db demo.db demo --pace slow)
demo: $(STAMP) clean
	$(BIN)/tasker --db demo.db demo --pace slow

console: $(STAMP)
	$(BIN)/tasker console

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/ruff check engine tasker_core console server tests bench templates
	$(BIN)/ruff format --check engine tasker_core console server tests bench templates

test: lint
	$(BIN)/python -m pytest -m "not slow"

soak: $(STAMP)
	$(BIN)/python -m pytest -m slow

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python -m console.screenshots

# clean: the demo's files; distclean: also the virtual environment and the tools' caches.
clean:
	rm -f demo.db demo.db-wal demo.db-shm demo.gateway.jsonl demo.outbox.db

distclean: clean
	rm -rf $(VENV) bench/.venv-peers .pytest_cache .mypy_cache .ruff_cache
