"""The workflows shipped in ``templates/``: their folder, and their handler modules.

The handler code beside the YAML is imported as the package ``tasker_workflows`` (an alias of
the ``templates/`` folder), so its modules can import each other relatively.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
PACKAGE = "tasker_workflows"


def install_package_alias() -> None:
    """Make ``tasker_workflows`` importable as the ``templates/`` folder."""
    if PACKAGE in sys.modules:
        return
    package = types.ModuleType(PACKAGE)
    package.__path__ = [str(TEMPLATES_DIR)]
    package.__file__ = str(TEMPLATES_DIR / "__init__.py")
    sys.modules[PACKAGE] = package


def shipped_handler_modules() -> list[str]:
    """Module names of every shipped ``handlers.py`` (``tasker_workflows.<folder>.handlers``)."""
    return sorted(
        f"{PACKAGE}.{path.parent.name}.handlers" for path in TEMPLATES_DIR.glob("*/handlers.py")
    )


def import_shipped_handlers() -> list[str]:
    """Import the shipped handler modules so their @step_handler names are registered."""
    install_package_alias()
    names = shipped_handler_modules()
    for name in names:
        importlib.import_module(name)
    return names
