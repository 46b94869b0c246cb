"""What the engine records for each thing a handler can return or raise (DESIGN §3)."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime

import pytest
from pydantic import BaseModel

from engine.handlers.errors import HandlerNotFound
from engine.handlers.invoke import call_handler, handler_not_found_outcome
from engine.handlers.registry import HandlerRegistry
from tasker_core import (
    ErrorType,
    PermanentError,
    RateLimitError,
    RetryableError,
    StepHandler,
    StepHandlerResult,
    TaskerError,
)
from tasker_core.errors import BusinessLogicError, NetworkError
from tasker_core.step_handler.functional import depends_on, inputs, step_handler
from tests.handlers.support import envelope, make_context, run_handler


class Receipt(BaseModel):
    number: int
    issued: datetime


@pytest.mark.parametrize(
    ("returned", "stored"),
    [
        ({"a": 1}, {"a": 1}),
        (None, {}),
        (42, {"result": 42}),
        (["x", "y"], {"result": ["x", "y"]}),
        (
            Receipt(number=7, issued=datetime(2026, 1, 2, 3, 4, 5)),
            {"number": 7, "issued": "2026-01-02T03:04:05"},
        ),
        (StepHandlerResult.success({"b": 2}), {"b": 2}),
    ],
)
async def test_return_values_are_wrapped_as_tasker_does(returned: object, stored: dict) -> None:
    @step_handler("test_wrap_returns")
    def handler(context):
        return returned

    outcome = await run_handler(handler)
    assert outcome.ok
    assert outcome.results == stored


@pytest.mark.parametrize(
    ("raised", "error_type", "retryable"),
    [
        (PermanentError("card declined"), "permanent_error", False),
        (BusinessLogicError("card declined"), "permanent_error", False),
        (RetryableError("card declined"), "retryable_error", True),
        (NetworkError("card declined"), "retryable_error", True),
        (TaskerError("card declined"), "handler_error", True),
        (TaskerError("card declined", retryable=False), "handler_error", False),
        (ValueError("card declined"), "handler_error", True),
    ],
)
@pytest.mark.parametrize("style", ["functional", "class"])
async def test_raised_errors_classify_the_same_in_both_styles(
    raised: Exception, error_type: str, retryable: bool, style: str
) -> None:
    def fail(context):
        raise raised

    class Failing(StepHandler):
        def call(self, context):
            raise raised

    handler = step_handler("test_raise_styles")(fail) if style == "functional" else Failing
    outcome = await run_handler(handler)
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == (error_type, retryable)
    assert outcome.error.message == "card declined"


async def test_unclassified_exception_keeps_its_type_and_traceback() -> None:
    @step_handler("test_unclassified")
    def handler(context):
        return {"total": context.get_input("items")[0]}

    outcome = await run_handler(handler, make_context(input_data={"items": []}))
    assert outcome.error is not None
    assert outcome.error.metadata["exception_type"] == "IndexError"
    assert outcome.error.traceback is not None
    assert 'context.get_input("items")[0]' in outcome.error.traceback
    assert "traceback" not in outcome.error.metadata


async def test_error_code_retry_after_and_metadata_reach_the_stored_error() -> None:
    @step_handler("test_rate_limited")
    async def handler(context):
        raise RateLimitError(
            "gateway says slow down", error_code="rate_limited", retry_after=12, metadata={"k": 1}
        )

    outcome = await run_handler(handler)
    assert outcome.error is not None
    assert outcome.error.error_code == "rate_limited"
    assert outcome.error.retry_after_s == 12.0
    assert outcome.error.metadata["k"] == 1
    assert outcome.error.to_json()["retry_after"] == 12.0


async def test_returned_failure_with_its_own_error_type_is_stored_as_permanent_or_retryable() -> (
    None
):
    class Custom(StepHandler):
        def call(self, context):
            if context.get_input("kind") == "busy":
                return self.failure("try later", error_type="lock_contention", retryable=True)
            return self.failure("no such account", error_type="NotFound", retryable=False)

    busy = await run_handler(Custom, make_context(input_data={"kind": "busy"}))
    gone = await run_handler(Custom, make_context(input_data={"kind": "gone"}))
    assert busy.error is not None and gone.error is not None
    assert (busy.error.error_type, busy.error.metadata["handler_error_type"]) == (
        "retryable_error",
        "lock_contention",
    )
    assert (gone.error.error_type, gone.error.retryable) == ("permanent_error", False)
    assert gone.error.metadata["handler_error_type"] == "NotFound"


async def test_returned_failure_keeps_a_standard_error_type() -> None:
    class Custom(StepHandler):
        def call(self, context):
            return StepHandlerResult.failure(
                "upstream missing", error_type=ErrorType.HANDLER_ERROR, retryable=False
            )

    outcome = await run_handler(Custom)
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == ("handler_error", False)


async def test_result_that_is_not_json_is_a_permanent_failure() -> None:
    @step_handler("test_not_json")
    def handler(context):
        return {"when": datetime(2026, 1, 1)}

    outcome = await run_handler(handler)
    assert outcome.error is not None
    assert outcome.error.error_code == "result_not_serializable"
    assert (outcome.error.error_type, outcome.error.retryable) == ("permanent_error", False)


async def test_inputs_keys_inject_context_values_and_missing_ones_as_none() -> None:
    @step_handler("test_inputs_keys")
    @inputs("customer_email", "coupon")
    def handler(customer_email, coupon):
        return {"email": customer_email, "coupon": coupon}

    outcome = await run_handler(handler, make_context(input_data={"customer_email": "a@b.c"}))
    assert outcome.results == {"email": "a@b.c", "coupon": None}


async def test_missing_dependency_injects_none() -> None:
    @step_handler("test_missing_dep")
    @depends_on(cart="validate_cart")
    def handler(cart, context):
        return {"had_cart": cart is not None}

    missing = await run_handler(handler)
    present = await run_handler(
        handler, make_context(dependency_results={"validate_cart": envelope({"total": 1})})
    )
    assert (missing.results, present.results) == ({"had_cart": False}, {"had_cart": True})


async def test_a_parameter_nothing_provides_is_a_permanent_configuration_error() -> None:
    @step_handler("test_unprovided_param")
    @inputs("email")
    def handler(email, coupon_code, context):
        return {}

    for _ in range(2):  # the check is remembered only when it passes: the second call fails too
        outcome = await run_handler(handler)
        assert outcome.error is not None
        assert (outcome.error.error_type, outcome.error.retryable) == ("permanent_error", False)
        assert "coupon_code" in outcome.error.message
        assert "@inputs" in outcome.error.message


async def test_sync_handlers_run_off_the_event_loop_thread() -> None:
    loop_thread = threading.get_ident()

    @step_handler("test_thread")
    def handler(context):
        return {"same_thread": threading.get_ident() == loop_thread}

    assert (await run_handler(handler)).results == {"same_thread": False}


async def test_cancellation_propagates_to_the_runner() -> None:
    started = asyncio.Event()

    @step_handler("test_cancel")
    async def handler(context):
        started.set()
        await asyncio.Event().wait()

    registry = HandlerRegistry()
    registry.register("slow", handler)
    attempt = asyncio.create_task(call_handler(registry.resolve_step("slow"), make_context()))
    await started.wait()
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt


def test_functional_handler_class_returns_failures_when_called_directly() -> None:
    @step_handler("test_direct_call")
    def handler(context):
        raise PermanentError("nope")

    result = handler._handler_class().call(make_context())  # type: ignore[attr-defined]
    assert result.is_failure_result()
    assert (result.error_type, result.retryable, result.error_message) == (
        "permanent_error",
        False,
        "nope",
    )


def test_handler_not_found_outcome_is_permanent_and_names_the_callable() -> None:
    outcome = handler_not_found_outcome(HandlerNotFound("Shop::Pay", "no handler for 'Shop::Pay'"))
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.retryable) == ("handler_not_found", False)
    assert outcome.error.message == "no handler for 'Shop::Pay'"


async def test_results_are_serialised_once_in_the_form_the_store_keeps() -> None:
    @step_handler("test_text_results")
    def handler(context):
        return {"name": "café ☕", "n": [1, 2]}

    outcome = await run_handler(handler)
    assert outcome.results == {"name": "café ☕", "n": [1, 2]}
    assert outcome.results_text == '{"name":"café ☕","n":[1,2]}'
