from __future__ import annotations

from pathlib import Path

import pytest

from engine.handlers.loading import import_handler_modules
from engine.handlers.registry import HandlerRegistry

TASKER_APP = Path(__file__).parent / "tasker_app"


@pytest.fixture(scope="session")
def tasker_app() -> HandlerRegistry:
    """The example app's handlers, loaded as an operator would: ``--handlers app/handlers``."""
    registry = HandlerRegistry.instance()
    registry.allow_modules(import_handler_modules([str(TASKER_APP / "app" / "handlers")]))
    return registry
