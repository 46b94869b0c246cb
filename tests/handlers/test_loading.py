"""``--handlers``: modules, files and folders are imported once, or refused in one line."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from engine.handlers.errors import HandlerModuleError
from engine.handlers.loading import import_handler_modules
from engine.handlers.registry import HandlerRegistry


@pytest.fixture(autouse=True)
def restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading appends folders to sys.path; keep them from leaking into other tests."""
    monkeypatch.setattr(sys, "path", list(sys.path))


def write(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "from __future__ import annotations\n" + textwrap.dedent(body), encoding="utf-8"
    )
    return path


HANDLER = """
from tasker_core import StepHandler
from tasker_core.step_handler.functional import step_handler

@step_handler("{name}_fn")
def fn(context):
    return {{}}

class ClassBased(StepHandler):
    handler_name = "{name}_class"
    def call(self, context):
        return {{}}
"""


def load_error(specs: list[str]) -> str:
    with pytest.raises(HandlerModuleError) as caught:
        import_handler_modules(specs, registry=HandlerRegistry())
    message = str(caught.value)
    assert "\n" not in message and message.startswith("--handlers: ")
    return message


def test_a_standalone_file_registers_functions_and_classes(tmp_path: Path) -> None:
    path = write(tmp_path / "loose_handlers.py", HANDLER.format(name="loose"))
    registry = HandlerRegistry()
    assert import_handler_modules([str(path)], registry=registry) == ["loose_handlers"]
    assert registry.is_registered("loose_class")
    assert HandlerRegistry.instance().is_registered("loose_fn")


def test_a_file_inside_a_package_imports_by_its_dotted_name(tmp_path: Path) -> None:
    write(tmp_path / "shopapp" / "__init__.py", "")
    write(tmp_path / "shopapp" / "rules.py", "LIMIT = 3\n")
    write(tmp_path / "shopapp" / "steps" / "__init__.py", "")
    path = write(
        tmp_path / "shopapp" / "steps" / "orders.py",
        "from ..rules import LIMIT\n" + HANDLER.format(name="shopapp"),
    )
    names = import_handler_modules([str(path)], registry=HandlerRegistry())
    assert names == ["shopapp.steps.orders"]
    assert sys.modules["shopapp.steps.orders"].LIMIT == 3


def test_a_package_folder_imports_every_module_under_it(tmp_path: Path) -> None:
    write(tmp_path / "bulkapp" / "__init__.py", "")
    write(tmp_path / "bulkapp" / "a.py", HANDLER.format(name="bulk_a"))
    write(tmp_path / "bulkapp" / "sub" / "__init__.py", "")
    write(tmp_path / "bulkapp" / "sub" / "b.py", HANDLER.format(name="bulk_b"))
    registry = HandlerRegistry()
    names = import_handler_modules([str(tmp_path / "bulkapp")], registry=registry)
    assert names == ["bulkapp", "bulkapp.a", "bulkapp.sub", "bulkapp.sub.b"]
    assert registry.list_handlers() == ["bulk_a_class", "bulk_a_fn", "bulk_b_class", "bulk_b_fn"]


def test_a_dotted_module_name_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path / "dotted_handlers.py", HANDLER.format(name="dotted"))
    registry = HandlerRegistry()
    assert import_handler_modules(["dotted_handlers"], registry=registry) == ["dotted_handlers"]
    assert registry.is_registered("dotted_class")


def test_a_missing_module_says_how_to_fix_it() -> None:
    message = load_error(["shop.handlerz"])
    assert message == (
        "--handlers: cannot import 'shop.handlerz': No module named 'shop'; "
        "check the name or add its folder to PYTHONPATH"
    )


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    message = load_error([str(tmp_path / "nope.py")])
    assert message == f"--handlers: no such file or folder '{tmp_path / 'nope.py'}'; check the path"


def test_a_broken_file_names_the_error_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken_syntax.py"
    path.write_text("def handler(:\n    pass\n", encoding="utf-8")
    message = load_error([str(path)])
    assert "SyntaxError" in message and "line 1" in message
    assert "broken_syntax" not in sys.modules


def test_a_file_raising_on_import_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "raising_handlers.py", "raise RuntimeError('no API key configured')\n")
    assert load_error([str(path)]) == (
        f"--handlers: cannot import '{path}': RuntimeError: no API key configured"
    )


def test_a_file_shadowing_a_loaded_module_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "json.py", "")
    assert "a module of that name is already loaded" in load_error([str(path)])
