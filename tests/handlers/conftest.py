from __future__ import annotations

from pathlib import Path

import pytest

from engine.handlers.loading import import_handler_modules
from engine.handlers.registry import HandlerRegistry

TASKER_APP = Path(__file__).parent / "tasker_app"


@pytest.fixture(scope="session")
def tasker_app() -> HandlerRegistry:
    """The example app's handlers, loaded as an operator would: ``--handlers app/handlers``.

    They register the seed's names, which the shipped checkout registers too; so they go into
    their own registry, and the process-wide one is left as it was.
    """
    registry = HandlerRegistry()
    with HandlerRegistry.instance().preserved():
        names = import_handler_modules([str(TASKER_APP / "app" / "handlers")], registry=registry)
    registry.allow_modules(names)
    return registry
