"""Tasker's functional DSL: ``@step_handler``, ``@inputs``, ``@depends_on``.

``@step_handler(name)`` turns a function into a ``StepHandler`` subclass (kept as
``fn._handler_class``, as in Tasker) and registers it under ``name`` in the process-wide
``HandlerRegistry``, so importing the module is all it takes. The function itself is
returned unchanged and can still be called directly in tests.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from engine.handlers.base import StepHandler
from engine.handlers.classify import InputsInvalid
from engine.handlers.errors import ConfigurationError, PermanentError
from engine.handlers.registry import HandlerRegistry
from engine.handlers.results import StepHandlerResult

if TYPE_CHECKING:
    from engine.handlers.context import StepContext

DependencySpec = str | tuple[str, type[BaseModel]]


def step_handler(
    name: str, version: str = "1.0.0"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make ``fn`` the handler registered as ``name`` (what ``handler.callable`` names)."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        handler_class = make_handler_class(fn, name, version)
        fn._handler_class = handler_class  # type: ignore[attr-defined]
        HandlerRegistry.instance().register(name, handler_class)
        return fn

    return decorator


def depends_on(**deps: DependencySpec) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Inject ancestors' results: ``@depends_on(cart="validate_cart")`` or
    ``@depends_on(cart=("validate_cart", CartModel))``. Any ancestor may be named, not only
    a direct parent; a missing one injects None."""
    for param, spec in deps.items():
        if not _is_dependency_spec(spec):
            raise TypeError(
                f"@depends_on({param}=...) takes a step name or (step name, pydantic model), "
                f"not {spec!r}"
            )

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn._depends_on = {**getattr(fn, "_depends_on", {}), **deps}  # type: ignore[attr-defined]
        return fn

    return decorator


def inputs(*keys: str | type[BaseModel]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Inject task-context values: ``@inputs("a", "b")`` passes ``a=`` and ``b=``;
    ``@inputs(Model)`` validates the context against ``Model`` and passes ``inputs=``.
    A context that fails the model is a permanent ``validation_error``."""
    for key in keys:
        if not (isinstance(key, str) or _is_model(key)):
            raise TypeError(f"@inputs takes key names or a pydantic model, not {key!r}")

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn._inputs = [*getattr(fn, "_inputs", []), *keys]  # type: ignore[attr-defined]
        return fn

    return decorator


def make_handler_class(
    fn: Callable[..., Any],
    name: str,
    version: str = "1.0.0",
    base: type[StepHandler] = StepHandler,
    extra_kwargs: Callable[[StepHandler, StepContext], dict[str, Any]] | None = None,
) -> type[StepHandler]:
    """A ``base`` subclass whose ``call`` injects arguments into ``fn`` and wraps its result.

    Exceptions become failure results here (as in Tasker), through the handler's own
    classification, so calling ``_handler_class().call(ctx)`` directly behaves like the engine.
    """

    def arguments(self: StepHandler, context: StepContext) -> dict[str, Any]:
        extra = extra_kwargs(self, context) if extra_kwargs else {}
        return injected_arguments(fn, context, extra)

    if inspect.iscoroutinefunction(fn):

        async def call(self: StepHandler, context: StepContext) -> StepHandlerResult:
            try:
                return self._result_for_value(await fn(**arguments(self, context)))
            except Exception as exc:
                return self._result_for_exception(exc)

    else:

        def call(self: StepHandler, context: StepContext) -> StepHandlerResult:  # type: ignore[misc]
            try:
                return self._result_for_value(fn(**arguments(self, context)))
            except Exception as exc:
                return self._result_for_exception(exc)

    namespace = {
        "handler_name": name,
        "handler_version": version,
        "call": call,
        "__doc__": fn.__doc__,
        "__module__": fn.__module__,
        "__qualname__": getattr(fn, "__qualname__", fn.__name__),
        "_function": staticmethod(fn),
    }
    return type(fn.__name__, (base,), namespace)


def injected_arguments(
    fn: Callable[..., Any], context: StepContext, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The keyword arguments ``fn`` is called with: dependencies, inputs, ``context``."""
    kwargs: dict[str, Any] = {}
    for param, spec in getattr(fn, "_depends_on", {}).items():
        step, model = (spec, None) if isinstance(spec, str) else spec
        value = context.get_dependency_result(step)
        if model is not None and value is not None:
            value = _validated(model, value, f"results of '{step}'")
        kwargs[param] = value
    for key in getattr(fn, "_inputs", []):
        if isinstance(key, str):
            kwargs[key] = context.get_input(key)
        else:
            kwargs["inputs"] = _validated(
                key, model_fields_of(key, context.input_data), "task context"
            )
    kwargs.update(extra or {})
    params = _parameters(fn)
    for context_name in ("context", "_context"):
        if context_name in params:
            kwargs[context_name] = context
            break
    _check_signature(fn, tuple(kwargs))
    return kwargs


@functools.cache
def _parameters(fn: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(fn).parameters)


@functools.lru_cache(maxsize=1024)  # a handler is called with the same names every time
def _check_signature(fn: Callable[..., Any], kwargs: tuple[str, ...]) -> None:
    """Name a handler/decorator mismatch instead of failing with a bare TypeError (retried).
    Only a call that passes is remembered: a mismatch raises again on every call."""
    params = _parameters(fn)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    unexpected = [] if takes_any else [k for k in kwargs if k not in params]
    missing = [
        p.name
        for p in params.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        and p.name not in kwargs
    ]
    if unexpected or missing:
        problems = [f"it has no parameter {name!r} for the value declared" for name in unexpected]
        problems += [
            f"nothing provides parameter {name!r} (declare it with @inputs or @depends_on)"
            for name in missing
        ]
        raise ConfigurationError(f"handler function {fn.__name__}(): " + "; ".join(problems))


def model_fields_of(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """The context keys the model declares (by name or alias), as Tasker's ``@inputs(Model)``."""
    picked: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        for key in (info.alias, field_name):
            if key is not None and key in data:
                picked[key] = data[key]
                break
    return picked


def _validated(model: type[BaseModel], data: Any, what: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        errors = [
            {
                "field": ".".join(str(part) for part in err["loc"]) or "(model)",
                "problem": err["msg"],
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
        raise InputsInvalid(f"invalid {what} for {model.__name__}: {detail}", errors) from exc
    except PermanentError as exc:
        # Tasker's example models raise PermanentError from a model validator.
        errors = [{"field": "(model)", "problem": exc.message}]
        raise InputsInvalid(
            f"invalid {what} for {model.__name__}: {exc.message}", errors, exc.error_code
        ) from exc


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _is_dependency_spec(spec: Any) -> bool:
    if isinstance(spec, str):
        return True
    return (
        isinstance(spec, tuple)
        and len(spec) == 2
        and isinstance(spec[0], str)
        and _is_model(spec[1])
    )
