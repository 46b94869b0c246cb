"""StepContext's accessors and the error classes, as Tasker's handlers use them."""

from __future__ import annotations

import pytest

import tasker_core
import tasker_core.errors
from tasker_core import StepHandlerResult
from tasker_core.types import ErrorType, StepContext
from tests.handlers.support import envelope, make_context

ERROR_NAMES = {
    "TaskerError": None,
    "RetryableError": "TaskerError",
    "PermanentError": "TaskerError",
    "TimeoutError": "RetryableError",
    "NetworkError": "RetryableError",
    "RateLimitError": "RetryableError",
    "ServiceUnavailableError": "RetryableError",
    "ResourceContentionError": "RetryableError",
    "ValidationError": "PermanentError",
    "NotFoundError": "PermanentError",
    "AuthenticationError": "PermanentError",
    "AuthorizationError": "PermanentError",
    "ConfigurationError": "PermanentError",
    "BusinessLogicError": "PermanentError",
}


@pytest.mark.parametrize(("name", "parent"), ERROR_NAMES.items())
def test_every_tasker_error_is_importable_from_both_modules(name: str, parent: str | None) -> None:
    cls = getattr(tasker_core.errors, name)
    assert getattr(tasker_core, name) is cls
    if parent:
        assert issubclass(cls, getattr(tasker_core.errors, parent))
    assert cls("x").retryable is (parent != "PermanentError" and name != "PermanentError")


def test_error_fields_are_copied_into_metadata_as_tasker_does() -> None:
    err = tasker_core.errors.RateLimitError(
        "slow down", error_code="rl", retry_after=30, metadata={"a": 1}, context={"order": 7}
    )
    assert (err.message, err.error_code, err.retry_after, err.retryable) == (
        "slow down",
        "rl",
        30,
        True,
    )
    assert err.metadata == {"a": 1, "error_code": "rl", "retry_after": 30, "order": 7}
    assert err.to_dict()["error_type"] == "RateLimitError"
    assert tasker_core.StepTimeoutError is tasker_core.errors.TimeoutError


def test_input_and_config_accessors() -> None:
    ctx = make_context(
        input_data={"email": "a@b.c", "coupon": None}, step_config={"gateway": "stripe"}
    )
    assert ctx.get_input("email") == "a@b.c"
    assert ctx.get_input("missing") is None
    assert ctx.get_input_or("coupon", "NONE") == "NONE"
    assert ctx.get_input_or("email", "x") == "a@b.c"
    assert ctx.get_config("gateway") == "stripe"


def test_dependency_accessors_unwrap_the_stored_envelope() -> None:
    ctx = make_context(
        dependency_results={
            "validate_cart": envelope({"total": 63.99, "items": [{"sku": "A"}, {"sku": "B"}]}),
            "batch_001": envelope({"n": 1}),
            "batch_000": envelope({"n": 0}),
        }
    )
    assert ctx.get_dependency_result("validate_cart")["total"] == 63.99
    assert ctx.get_dependency_result("nope") is None
    assert ctx.get_dependency_field("validate_cart", "items", 1, "sku") == "B"
    assert ctx.get_dependency_field("validate_cart", "items", 5, "sku") is None
    assert ctx.get_dependency_field("validate_cart", "total", "x") is None
    assert ctx.get_all_dependency_results("batch_") == [{"n": 0}, {"n": 1}]
    assert sorted(ctx.get_dependency_result_keys()) == ["batch_000", "batch_001", "validate_cart"]


@pytest.mark.parametrize(
    ("retry_count", "max_retries", "is_retry", "is_last"),
    [(0, 3, False, False), (1, 3, True, False), (2, 3, True, True), (0, 1, False, True)],
)
def test_retry_accessors(retry_count: int, max_retries: int, is_retry: bool, is_last: bool) -> None:
    ctx = make_context(retry_count=retry_count, max_retries=max_retries)
    assert (ctx.is_retry(), ctx.is_last_retry()) == (is_retry, is_last)


def test_checkpoint_accessors() -> None:
    ctx = make_context(
        checkpoint={"cursor": 500, "items_processed": 500, "accumulated_results": {"sum": 9}}
    )
    assert ctx.has_checkpoint() and ctx.checkpoint_cursor == 500
    assert (ctx.checkpoint_items_processed, ctx.accumulated_results) == (500, {"sum": 9})
    assert not make_context().has_checkpoint()


def test_the_engine_builds_the_context_with_keywords() -> None:
    ctx = StepContext(
        task_uuid="t",
        step_uuid="s",
        step_name="validate_cart",
        handler_name="ecommerce_validate_cart",
        input_data={"a": 1},
        dependency_results={},
        step_config={},
        step_inputs={"cursor": 0},
        retry_count=0,
        max_retries=2,
        correlation_id="c",
    )
    assert (ctx.step_name, ctx.step_inputs, ctx.correlation_id, ctx.checkpoint) == (
        "validate_cart",
        {"cursor": 0},
        "c",
        None,
    )


def test_step_handler_result_factories() -> None:
    ok = StepHandlerResult.success({"a": 1}, {"m": 2})
    bad = StepHandlerResult.failure(
        "no", error_type=ErrorType.VALIDATION_ERROR, retryable=False, error_code="E"
    )
    assert ok.is_success_result() and ok.to_dict()["success"] is True
    assert bad.is_failure_result()
    assert (bad.error_type, bad.retryable, bad.error_code) == ("validation_error", False, "E")
    assert ErrorType.is_typically_retryable("timeout") and not ErrorType.is_typically_retryable(
        "permanent_error"
    )
