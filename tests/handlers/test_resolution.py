"""Resolving ``handler.callable``: registered names, listed modules only, method and resolver."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from engine.handlers.errors import HandlerNotFound
from engine.handlers.invoke import call_handler
from engine.handlers.loading import import_handler_modules
from engine.handlers.registry import HandlerRegistry
from tasker_core import StepHandler
from tests.handlers.support import make_context


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path holding modules a template might try to name."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def write_module(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(
        "from __future__ import annotations\n\n" + textwrap.dedent(body), encoding="utf-8"
    )
    return path


def not_found(registry: HandlerRegistry, callable_name: str, **kw) -> str:
    with pytest.raises(HandlerNotFound) as caught:
        registry.resolve_step(callable_name, **kw)
    message = caught.value.message
    assert "\n" not in message
    return message


class Greeter(StepHandler):
    handler_name = "greeter"

    def call(self, context):
        return {"hello": context.get_input("name")}

    def shout(self, context):
        return {"HELLO": str(context.get_input("name")).upper()}


def test_unlisted_module_is_refused_and_never_imported(module_dir: Path) -> None:
    write_module(
        module_dir,
        "evil_side_effects",
        """
        from tasker_core import StepHandler
        raise SystemExit("imported!")
        class Payload(StepHandler):
            pass
        """,
    )
    registry = HandlerRegistry()
    message = not_found(registry, "evil_side_effects.Payload")
    assert "evil_side_effects" not in sys.modules
    assert "'evil_side_effects' is not one of the --handlers modules" in message
    assert "not imported" in message


def test_os_system_style_callables_are_refused() -> None:
    registry = HandlerRegistry()
    for name in ("os.system", "subprocess.run", "builtins.eval", "shutil.rmtree"):
        message = not_found(registry, name)
        assert "is not one of the --handlers modules" in message


def test_a_plain_function_in_a_listed_module_is_not_a_handler(module_dir: Path) -> None:
    write_module(
        module_dir,
        "listed_helpers",
        """
        import os
        def wipe(context):
            return {}
        """,
    )
    registry = HandlerRegistry()
    registry.allow_modules(import_handler_modules(["listed_helpers"], registry=registry))
    assert "is not a step handler" in not_found(registry, "listed_helpers.wipe")
    assert "is not a step handler" in not_found(registry, "listed_helpers.os")


def test_class_path_in_a_listed_module_gets_its_initialization(module_dir: Path) -> None:
    write_module(
        module_dir,
        "listed_shop",
        """
        from tasker_core import StepHandler
        class ChargeHandler(StepHandler):
            def call(self, context):
                return {"currency": self.config["currency"]}
        """,
    )
    registry = HandlerRegistry()
    registry.allow_modules(["listed_shop"])
    resolved = registry.resolve_step(
        "listed_shop.ChargeHandler", initialization={"currency": "EUR"}
    )
    assert type(resolved.handler).__name__ == "ChargeHandler"
    assert resolved.handler.config == {"currency": "EUR"}


def test_registered_names_come_first_and_unknown_names_list_what_exists() -> None:
    registry = HandlerRegistry()
    registry.register("greeter", Greeter)
    registry.register("Shop::StepHandlers::Charge", Greeter)
    assert registry.resolve_step("Shop::StepHandlers::Charge").resolver == "explicit_mapping"
    message = not_found(registry, "Shop::StepHandlers::Refund")
    assert message.startswith("no handler for 'Shop::StepHandlers::Refund'")
    assert "registered: Shop::StepHandlers::Charge, greeter" in message


def test_unknown_name_with_nothing_registered_says_how_to_load_handlers() -> None:
    message = not_found(HandlerRegistry(), "validate_cart")
    assert "load them with --handlers" in message


async def test_handler_method_dispatches_and_a_missing_method_is_named() -> None:
    registry = HandlerRegistry()
    registry.register("greeter", Greeter)
    resolved = registry.resolve_step("greeter", method="shout")
    outcome = await call_handler(resolved, make_context(input_data={"name": "ada"}))
    assert outcome.results == {"HELLO": "ADA"}
    message = not_found(registry, "greeter", method="whisper")
    assert "has no method 'whisper'" in message
    assert "it has: call, shout" in message
    assert "has no method '_result_for_value'" in not_found(
        registry, "greeter", method="_result_for_value"
    )


def test_resolver_hints_restrict_the_chain(module_dir: Path) -> None:
    write_module(
        module_dir,
        "listed_hints",
        """
        from tasker_core import StepHandler
        class Hinted(StepHandler):
            def call(self, context):
                return {}
        """,
    )
    registry = HandlerRegistry()
    registry.allow_modules(["listed_hints"])
    registry.register("greeter", Greeter)
    assert (
        registry.resolve_step("greeter", resolver="explicit_mapping").resolver == "explicit_mapping"
    )
    assert (
        registry.resolve_step("listed_hints.Hinted", resolver="class_lookup").resolver
        == "class_lookup"
    )
    assert "not a registered handler name" in not_found(
        registry, "listed_hints.Hinted", resolver="explicit_mapping"
    )
    assert "not a dotted module.ClassName" in not_found(
        registry, "greeter", resolver="class_lookup"
    )
    message = not_found(registry, "greeter", resolver="payments_resolver")
    assert "unknown handler.resolver 'payments_resolver'" in message
    assert "known: explicit_mapping, class_lookup" in message


def test_custom_resolver_named_by_a_template() -> None:
    registry = HandlerRegistry()
    registry.register_resolver(
        "payments", lambda name, init: Greeter if name.startswith("payments:") else None
    )
    resolved = registry.resolve_step("payments:stripe:refund", resolver="payments")
    assert isinstance(resolved.handler, Greeter) and resolved.resolver == "payments"
    assert "resolver 'payments' found nothing" in not_found(
        registry, "ledger:x", resolver="payments"
    )


async def test_registered_instances_factories_and_functions_all_resolve() -> None:
    from tasker_core.step_handler.functional import step_handler

    @step_handler("test_registered_fn")
    def fn_handler(context):
        return {"kind": "function"}

    registry = HandlerRegistry()
    shared = Greeter()
    registry.register("instance", shared)
    registry.register("factory", lambda: Greeter())
    registry.register("function", fn_handler)
    assert registry.resolve_step("instance").handler is shared
    assert isinstance(registry.resolve_step("factory").handler, Greeter)
    outcome = await call_handler(registry.resolve_step("function"), make_context())
    assert outcome.results == {"kind": "function"}
    assert registry.list_handlers() == ["factory", "function", "instance"]
    assert registry.unregister("factory") and not registry.is_registered("factory")


def test_a_constructor_that_fails_is_reported_as_not_found() -> None:
    class Broken(StepHandler):
        def __init__(self) -> None:
            raise RuntimeError("missing API key")

    registry = HandlerRegistry()
    registry.register("broken", Broken)
    assert "cannot create handler 'broken': RuntimeError: missing API key" in not_found(
        registry, "broken"
    )


def test_step_handler_registers_in_the_process_wide_registry() -> None:
    from tasker_core.step_handler.functional import step_handler

    @step_handler("test_process_wide")
    def handler(context):
        return {}

    assert HandlerRegistry.instance() is HandlerRegistry.instance()
    assert HandlerRegistry.instance().is_registered("test_process_wide")


def test_preserved_undoes_registrations_made_inside_it() -> None:
    registry = HandlerRegistry()
    registry.register("greeter", Greeter)
    with registry.preserved():
        registry.register("greeter", object())
        registry.register("temporary", Greeter)
        registry.unregister("greeter")
    assert registry.list_handlers() == ["greeter"]
    assert isinstance(registry.resolve_step("greeter").handler, Greeter)
