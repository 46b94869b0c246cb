"""The boundaries of DESIGN §1, checked by running Python, beside the import-linter contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_engine_and_its_cli_load_no_textual_and_no_console() -> None:
    loaded = modules_after("import engine, engine.cli, engine.api, engine.worker")
    assert not any(m == "textual" or m.startswith("textual.") for m in loaded)
    assert "console" not in loaded and "tasker_core" not in loaded


def test_the_pure_core_loads_no_database() -> None:
    loaded = modules_after(
        "import engine.states, engine.lifecycle, engine.retry, engine.dag, engine.templates,"
        " engine.readiness, engine.identity, engine.outcomes"
    )
    assert "aiosqlite" not in loaded and "sqlite3" not in loaded


def test_our_console_package_is_the_one_imported() -> None:
    import console

    assert Path(console.__file__).resolve().is_relative_to(REPO)


def test_the_engine_and_its_cli_load_no_web_framework() -> None:
    """``tasker serve`` is found by name at run time: the engine works without FastAPI."""
    loaded = modules_after("import engine, engine.cli, engine.api, engine.worker")
    assert not {"server", "fastapi", "starlette", "uvicorn"} & loaded
