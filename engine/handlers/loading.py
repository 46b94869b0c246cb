"""Import the operator's ``--handlers`` modules, files and folders, once, at start-up.

Importing runs the ``@step_handler`` decorators (which register the handlers); class-based
``StepHandler`` subclasses found in the modules are registered by their ``handler_name``.
The names returned are the only modules ``handler.callable`` may later name by dotted path.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from engine.handlers.errors import HandlerModuleError
from engine.handlers.registry import HandlerRegistry


def import_handler_modules(
    specs: Sequence[str], *, registry: HandlerRegistry | None = None
) -> list[str]:
    """Import each spec (a dotted module, a ``.py`` file, or a folder) and its submodules.

    Returns the names of every module imported, for ``HandlerRegistry.allow_modules``.
    Raises ``HandlerModuleError`` with a one-line message when one cannot be imported.
    """
    target = registry or HandlerRegistry.instance()
    imported: list[str] = []
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        for module in _imported(spec):
            target.discover_handlers(module)
            if module.__name__ not in imported:
                imported.append(module.__name__)
    return imported


def _imported(spec: str) -> list[ModuleType]:
    """``_import_spec``, where a module that exits on import (``sys.exit()``, which ended the
    process with nothing said) is a one-line error like any other failed import."""
    try:
        return _import_spec(spec)
    except SystemExit as exc:
        raise HandlerModuleError(f"--handlers: cannot import {spec!r}: {_describe(exc)}") from None


def _import_spec(spec: str) -> list[ModuleType]:
    path = Path(spec).expanduser()
    looks_like_path = spec.endswith(".py") or "/" in spec or "\\" in spec or path.exists()
    if not looks_like_path:
        return _with_submodules(_import_dotted(spec, spec))
    if not path.exists():
        raise HandlerModuleError(f"--handlers: no such file or folder {spec!r}; check the path")
    path = path.resolve()
    if path.is_dir() and not (path / "__init__.py").exists():
        return [_import_file(spec, file) for file in sorted(path.glob("*.py"))]
    if path.is_file() and path.suffix != ".py":
        raise HandlerModuleError(
            f"--handlers: {spec!r} is not a .py file, a folder or a module name"
        )
    package_dir = path if path.is_dir() else path.parent
    if not (package_dir / "__init__.py").exists():
        return [_import_file(spec, path)]
    # Inside a package: import it by its dotted name so its relative imports work.
    root, dotted = _package_root_and_name(path)
    if str(root) not in sys.path:
        sys.path.append(str(root))
    module = _import_dotted(spec, dotted)
    _check_origin(spec, module, path)
    return _with_submodules(module) if path.is_dir() else [module]


def _import_dotted(spec: str, name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise HandlerModuleError(
            f"--handlers: cannot import {spec!r}: {exc}; check the name or add its folder to PYTHONPATH"
        ) from exc
    except (Exception, SystemExit) as exc:
        raise HandlerModuleError(f"--handlers: cannot import {spec!r}: {_describe(exc)}") from exc


def _import_file(spec: str, file: Path) -> ModuleType:
    """A standalone ``.py`` file: imported under its file name, its folder on ``sys.path``."""
    name = file.stem
    existing = sys.modules.get(name)
    if existing is not None:
        if Path(getattr(existing, "__file__", "") or "").resolve() == file.resolve():
            return existing
        raise HandlerModuleError(
            f"--handlers: {str(file)!r} would be module {name!r}, but a module of that name is "
            f"already loaded from {getattr(existing, '__file__', None) or 'a built-in'}; rename the file"
        )
    folder = str(file.parent)
    if folder not in sys.path:
        sys.path.append(folder)  # so the file's own sibling imports work
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise HandlerModuleError(f"--handlers: cannot load {spec!r} as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise HandlerModuleError(
            f"--handlers: cannot import {str(file)!r}: {_describe(exc)}"
        ) from exc
    return module


def _with_submodules(module: ModuleType) -> list[ModuleType]:
    """A package and every module under it (Tasker's ``discover_handlers(pkg)``)."""
    modules = [module]
    search = getattr(module, "__path__", None)
    if search is None:
        return modules
    for info in pkgutil.walk_packages(search, prefix=module.__name__ + "."):
        modules.append(_import_dotted(info.name, info.name))
    return modules


def _package_root_and_name(path: Path) -> tuple[Path, str]:
    parts = [] if path.is_dir() else ([] if path.stem == "__init__" else [path.stem])
    folder = path if path.is_dir() else path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


def _check_origin(spec: str, module: ModuleType, path: Path) -> None:
    origin = Path(getattr(module, "__file__", "") or "").resolve()
    expected = path / "__init__.py" if path.is_dir() else path
    if origin != expected.resolve():
        raise HandlerModuleError(
            f"--handlers: {spec!r} is package module {module.__name__!r}, but that name is "
            f"already taken by {origin}; rename the package or put its folder first on PYTHONPATH"
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return (
            f"it raised SystemExit({exc.code!r}) (sys.exit) while being imported; a handler "
            "module must not exit when imported"
        )
    if isinstance(exc, SyntaxError):
        where = f" ({exc.filename} line {exc.lineno})" if exc.filename else ""
        return f"SyntaxError: {exc.msg}{where}"
    return f"{type(exc).__name__}: {exc}"
