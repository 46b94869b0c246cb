"""Make the shipped ``templates/`` folder importable as ``tasker_workflows`` for these tests.

The alias is registered when this conftest is imported (before the test modules, so they can
import ``tasker_workflows...`` at the top); the ``workflows_package`` fixture returns it. It
executes ``templates/__init__.py`` like a normal package import; the engine's own loader
(``engine.shipped.install_package_alias``) gives the same module tree.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO / "templates"
PACKAGE = "tasker_workflows"


def register_workflow_package() -> ModuleType:
    """Import ``templates/`` as the package ``tasker_workflows`` (idempotent)."""
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        return existing
    spec = importlib.util.spec_from_file_location(
        PACKAGE, TEMPLATES_DIR / "__init__.py", submodule_search_locations=[str(TEMPLATES_DIR)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)
    return module


register_workflow_package()


@pytest.fixture(scope="session")
def workflows_package() -> ModuleType:
    return register_workflow_package()


@pytest.fixture
def outbox_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh outbox file, also exported as ``TASKER_DEMO_OUTBOX`` for handlers."""
    path = tmp_path / "outbox.db"
    monkeypatch.setenv("TASKER_DEMO_OUTBOX", str(path))
    return path
