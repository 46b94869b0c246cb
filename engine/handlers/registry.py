"""Where ``handler.callable`` is looked up, and the fence around what a template may run.

Resolution follows Tasker's resolver chain: registered names first (``explicit_mapping``),
then a dotted ``module.ClassName`` (``class_lookup``). Unlike Tasker, class lookup only
looks inside the modules the operator listed with ``--handlers``: a template is data and
must never be able to import or call arbitrary code, so ``os.system`` or an unlisted module
is refused before anything is imported.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, cast

from engine.handlers.base import StepHandler
from engine.handlers.errors import HandlerNotFound

EXPLICIT_MAPPING = "explicit_mapping"
CLASS_LOOKUP = "class_lookup"
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
_SHOWN_NAMES = 12

# A custom resolver: (callable, initialization) -> a handler (class, instance, factory) or None.
Resolver = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True)
class ResolvedHandler:
    """A handler ready to call for one attempt: ``await call_handler(resolved, ctx)``."""

    callable: str  # what the template named
    handler: Any  # the handler instance
    method: str  # handler.method; "call" unless the template says otherwise
    fn: Callable[..., Any]  # the bound method the runner calls with the StepContext
    is_async: bool
    resolver: str  # which resolver found it


class HandlerRegistry:
    """Registered handlers plus the modules class lookup may use; one default per process."""

    _default: ClassVar[HandlerRegistry | None] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._handlers: dict[str, Any] = {}
        self._allowed_modules: set[str] = set()
        self._resolvers: dict[str, Resolver] = {}

    @classmethod
    def reset_instance(cls) -> None:
        """Forget the process-wide registry; the next ``instance()`` makes a new one."""
        with cls._default_lock:
            cls._default = None

    @classmethod
    def instance(cls) -> HandlerRegistry:
        """The process-wide registry ``@step_handler`` registers into."""
        if cls._default is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = HandlerRegistry()
        return cls._default

    # -- registration ---------------------------------------------------------------------

    def register(self, name: str, handler: Any) -> None:
        """Register a handler class, a handler instance, a ``@step_handler`` function or a
        factory under ``name``; a later registration of the same name replaces it."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a handler name must be a non-empty string, not {name!r}")
        if handler is None:
            raise ValueError(f"cannot register None as handler {name!r}")
        target = getattr(handler, "_handler_class", handler)
        if isinstance(target, type) and not _is_handler_like(target):
            raise ValueError(
                f"{target.__name__} is not a step handler: subclass StepHandler or give it call()"
            )
        self._handlers[name] = target

    def clear(self) -> None:
        """Forget every registered handler."""
        self._handlers.clear()

    def get_handler_class(self, name: str) -> type | None:
        """The class registered under ``name`` (None when it is not a registered class)."""
        entry = self._handlers.get(name)
        return entry if isinstance(entry, type) else None

    def unregister(self, name: str) -> bool:
        return self._handlers.pop(name, None) is not None

    def is_registered(self, name: str) -> bool:
        return name in self._handlers

    def list_handlers(self) -> list[str]:
        return sorted(self._handlers)

    def handler_count(self) -> int:
        return len(self._handlers)

    @contextmanager
    def preserved(self) -> Iterator[HandlerRegistry]:
        """Undo every registration made inside the block; for tests that import handler
        modules whose names (the seed's, say) other code registers too."""
        saved = dict(self._handlers)
        try:
            yield self
        finally:
            self._handlers.clear()
            self._handlers.update(saved)

    def discover_handlers(self, package: ModuleType | str, base_class: type | None = None) -> int:
        """Register every ``base_class`` subclass (``StepHandler`` by default) that has a
        ``handler_name``, and every ``@step_handler`` function, found in ``package`` and, when
        it is named by a string, in every module under it. Returns how many were registered;
        a name that cannot be imported finds nothing (0)."""
        if not isinstance(package, str):
            return self._scan_module_for_handlers(package, base_class or StepHandler)
        try:
            root = importlib.import_module(package)
        except ImportError:
            return 0
        modules = [root]
        for info in pkgutil.walk_packages(getattr(root, "__path__", []), f"{package}."):
            try:
                modules.append(importlib.import_module(info.name))
            except ImportError:
                continue
        return sum(self._scan_module_for_handlers(m, base_class or StepHandler) for m in modules)

    def _scan_module_for_handlers(self, module: Any, base_class: type) -> int:
        """Register the handlers defined in one module (or any object with attributes)."""
        count = 0
        for value in list(vars(module).values()):
            target = getattr(value, "_handler_class", value)
            if not isinstance(target, type) or not issubclass(target, base_class):
                continue
            name = getattr(target, "handler_name", None)
            if target is not base_class and name and not inspect.isabstract(target):
                self.register(str(name), target)
                count += 1
        return count

    def allow_modules(self, module_names: Iterable[str]) -> None:
        """Let class lookup use these modules (the operator's ``--handlers``), and no other."""
        self._allowed_modules.update(module_names)

    def allowed_modules(self) -> list[str]:
        return sorted(self._allowed_modules)

    def register_resolver(self, name: str, resolver: Resolver) -> None:
        """Add a resolver a template can ask for with ``handler.resolver: <name>``."""
        if name in (EXPLICIT_MAPPING, CLASS_LOOKUP):
            raise ValueError(f"{name!r} is a built-in resolver")
        self._resolvers[name] = resolver

    # -- resolution -----------------------------------------------------------------------

    def resolve(self, handler_name: str) -> Any:
        """Tasker's lookup: an instance of the handler registered (or found by class lookup)
        under ``handler_name``, or None when there is none or it cannot be created."""
        try:
            return self.resolve_step(handler_name).handler
        except HandlerNotFound:
            return None

    def resolve_step(
        self,
        callable: str,  # Tasker's field name
        *,
        method: str = "call",
        resolver: str | None = None,
        initialization: dict[str, Any] | None = None,
    ) -> ResolvedHandler:
        """The handler ``handler.callable`` names, or ``HandlerNotFound`` saying why not."""
        init = dict(initialization or {})
        name = callable.strip() if isinstance(callable, str) else ""
        if not name:
            raise HandlerNotFound(
                str(callable), "handler.callable is empty; name a registered handler"
            )
        entry, found_by, reasons = self._lookup(name, resolver, init)
        if entry is None:
            raise HandlerNotFound(
                name, f"no handler for {name!r}: {'; '.join(reasons)}; {self._registered_summary()}"
            )
        handler = self._instantiate(name, entry, init)
        method = method or "call"
        if _is_function_handler(handler) and not _is_callable(getattr(handler, method, None)):
            # A @step_handler function is its one entry point: as in Tasker, handler.method
            # names no other method of it, so the function runs whatever the template says.
            method = "call"
        fn = getattr(handler, method, None)
        if method.startswith("_") or not _is_callable(fn):
            raise HandlerNotFound(
                name,
                f"handler {name!r} has no method {method!r} (handler.method); "
                f"it has: {', '.join(_public_methods(handler)) or 'none'}",
            )
        return ResolvedHandler(
            name, handler, method, cast("Callable[..., Any]", fn), _is_async(fn), found_by
        )

    def find(self, callable: str, resolver: str | None = None) -> Any:
        """What ``handler.callable`` names (a class, instance or factory), not instantiated,
        or None. Custom resolvers are not asked: they are code to run, this only looks."""
        if resolver not in (None, EXPLICIT_MAPPING, CLASS_LOOKUP) or not callable.strip():
            return None
        entry, _, _ = self._lookup(callable.strip(), resolver, {})
        return entry

    def _lookup(
        self, name: str, resolver: str | None, init: dict[str, Any]
    ) -> tuple[Any, str, list[str]]:
        if resolver in self._resolvers:
            entry = self._resolvers[resolver](name, init)
            return entry, resolver, [f"resolver {resolver!r} found nothing"]
        if resolver not in (None, EXPLICIT_MAPPING, CLASS_LOOKUP):
            known = ", ".join([EXPLICIT_MAPPING, CLASS_LOOKUP, *sorted(self._resolvers)])
            return None, "", [f"unknown handler.resolver {resolver!r} (known: {known})"]
        reasons: list[str] = []
        if resolver in (None, EXPLICIT_MAPPING):
            if name in self._handlers:
                return self._handlers[name], EXPLICIT_MAPPING, reasons
            reasons.append("it is not a registered handler name")
        if resolver in (None, CLASS_LOOKUP):
            entry, reason = self._class_lookup(name)
            if entry is not None:
                return entry, CLASS_LOOKUP, reasons
            reasons.append(reason)
        return None, "", reasons

    def _class_lookup(self, name: str) -> tuple[Any, str]:
        """Find ``module.Attr`` inside an allowed module, importing nothing else."""
        if not _DOTTED.match(name):
            return None, "it is not a dotted module.ClassName either"
        module_name, attr = name.rsplit(".", 1)
        if module_name not in self._allowed_modules:
            listed = ", ".join(sorted(self._allowed_modules)) or "none listed"
            return None, (
                f"module {module_name!r} is not one of the --handlers modules ({listed}), "
                "so it is not imported"
            )
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:  # an allowed module that breaks on import
                return (
                    None,
                    f"module {module_name!r} cannot be imported: {type(exc).__name__}: {exc}",
                )
        target = getattr(module, attr, None)
        if target is None:
            return None, f"module {module_name!r} has no {attr!r}"
        if not _is_handler_like(target):
            return (
                None,
                f"{name!r} is not a step handler (a StepHandler class or a @step_handler function)",
            )
        return getattr(target, "_handler_class", target), ""

    def _instantiate(self, name: str, entry: Any, init: dict[str, Any]) -> Any:
        try:
            if isinstance(entry, type):
                return _construct(entry, init)
            if _is_callable(getattr(entry, "call", None)):
                return entry  # a registered instance
            if _is_callable(entry):
                made = entry()  # a factory, as Tasker's explicit mapping allows
                return _construct(made, init) if isinstance(made, type) else made
        except Exception as exc:
            raise HandlerNotFound(
                name, f"cannot create handler {name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        raise HandlerNotFound(
            name, f"handler {name!r} is registered as {entry!r}, which has no call()"
        )

    def _registered_summary(self) -> str:
        names = self.list_handlers()
        if not names:
            return "no handlers are registered (load them with --handlers MODULE_OR_FILE)"
        shown = ", ".join(names[:_SHOWN_NAMES])
        more = f" and {len(names) - _SHOWN_NAMES} more" if len(names) > _SHOWN_NAMES else ""
        return f"registered: {shown}{more}"


def _is_function_handler(handler: Any) -> bool:
    """Whether the handler is the class made for a ``@step_handler``-style function."""
    return callable(getattr(type(handler), "_function", None))


def _construct(cls: type, init: dict[str, Any]) -> Any:
    """Instantiate with ``config=initialization`` when the class takes it, else with no args."""
    if _takes_config(cls):
        return cls(config=init)
    return cls()


def _is_async(fn: Any) -> bool:
    """Whether calling ``fn`` gives a coroutine; a method is asked of its function, once."""
    func = getattr(fn, "__func__", None)
    return _is_coroutine_function(func) if func is not None else inspect.iscoroutinefunction(fn)


@functools.lru_cache(maxsize=4096)
def _is_coroutine_function(func: Any) -> bool:
    return inspect.iscoroutinefunction(func)


@functools.cache
def _takes_config(cls: type) -> bool:
    """Whether the constructor has a ``config`` parameter (asked once per class: it is slow)."""
    try:
        return "config" in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def _is_handler_like(target: Any) -> bool:
    if hasattr(target, "_handler_class"):
        return True
    return isinstance(target, type) and (
        issubclass(target, StepHandler) or _is_callable(getattr(target, "call", None))
    )


def _public_methods(handler: Any) -> list[str]:
    helpers = set(dir(StepHandler))
    return sorted(
        attr
        for attr in dir(type(handler))
        if not attr.startswith("_")
        and (attr == "call" or attr not in helpers)
        and _is_callable(getattr(type(handler), attr, None))
    )


def _is_callable(value: Any) -> bool:
    return callable(value)
