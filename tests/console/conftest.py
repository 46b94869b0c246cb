from __future__ import annotations

import pytest

from tests.console.fake_engine import FakeEngine, FakeStepSpec, FakeTemplate

SCHEMA = {
    "type": "object",
    "required": ["customer_email", "payment_token"],
    "properties": {
        "customer_email": {"type": "string", "pattern": "@"},
        "payment_token": {"type": "string"},
    },
}


def checkout_template() -> FakeTemplate:
    names = ["validate_cart", "process_payment", "update_inventory", "create_order"]
    steps = [FakeStepSpec(n, [names[i - 1]] if i else []) for i, n in enumerate(names)]
    return FakeTemplate("order_processing", "ecommerce", "1.0.0", steps, SCHEMA)


@pytest.fixture
def fake() -> FakeEngine:
    """Three checkout tasks: running, blocked by a declined card, waiting for a retry."""
    engine = FakeEngine(template_list=[checkout_template()])
    t = checkout_template()
    context = {"customer_email": "ada@example.com", "payment_token": "tok_visa_4242"}
    engine.add_task(t, {"validate_cart": "complete"}, "steps_in_process", context=context)
    blocked = engine.add_task(
        t,
        {"validate_cart": "complete", "process_payment": "error"},
        "blocked_by_failures",
        context=context,
    )
    engine.step(blocked, "process_payment").update(
        attempts=1,
        error={
            "error_type": "permanent_error",
            "message": "card declined",
            "error_code": "card_declined",
            "retryable": False,
            "retry_after": None,
            "traceback": "Traceback (most recent call last):\n  PermanentError: card declined",
        },
    )
    waiting = engine.add_task(
        t,
        {"validate_cart": "complete", "process_payment": "waiting_for_retry"},
        "waiting_for_retry",
        context=context,
    )
    engine.step(waiting, "process_payment").update(
        attempts=2,
        next_retry_at=engine.clock.now_ms() + 3_200,
        backoff_rule="exponential 100 ms × 2^1, Retry-After 2 s",
        error={
            "error_type": "retryable_error",
            "message": "gateway timeout",
            "error_code": "gateway_timeout",
            "retryable": True,
            "retry_after": 2,
        },
    )
    engine.blocked, engine.waiting = blocked, waiting  # type: ignore[attr-defined]
    return engine
