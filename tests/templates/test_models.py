"""Every field of tasker-behaviour §1 reaches the model, with Tasker's defaults and aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.templates import (
    BatchConfiguration,
    HandlerDefinition,
    LifecycleConfig,
    RetryConfiguration,
    StepType,
    TaskTemplate,
    load_template,
    load_template_text,
)

FULL = (
    Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "valid" / "full_featured.yaml"
)
MINIMAL = """\
name: checkout
namespace_name: shop
version: 1.0.0
steps:
  - name: pay
    handler:
      callable: shop.pay
"""


def full() -> TaskTemplate:
    loaded = load_template(FULL)
    assert loaded.warnings == []
    return loaded.template


def test_top_level_fields() -> None:
    t = full()
    assert t.key == ("ecommerce", "order_fulfilment", "2.1.0")
    assert t.description == "Validate, charge, split into shipping batches and confirm"
    assert t.metadata is not None and t.metadata["tags"] == ["namespace:ecommerce", "pattern:batch"]
    assert t.metadata["notes"] == "extra metadata keys are kept as they are"
    assert t.system_dependencies == {"primary": "payment_gateway", "secondary": []}
    assert t.input_schema is not None and t.input_schema["required"] == ["order_id"]
    assert t.identity_strategy == "caller_provided"
    assert t.lifecycle == LifecycleConfig(
        max_duration_minutes=120,
        max_waiting_for_dependencies_minutes=30,
        max_waiting_for_retry_minutes=15,
        max_steps_in_process_minutes=10,
        staleness_action="error",
        auto_fail_on_timeout=True,
        auto_dlq_on_timeout=False,
    )
    assert t.source_path == str(FULL)
    assert [s.name for s in t.steps] == [
        "validate_order",
        "charge",
        "route",
        "split_shipments",
        "ship_batch",
        "confirm",
        "audit",
    ]


def test_step_fields() -> None:
    charge = full().step("charge")
    assert charge.handler == HandlerDefinition(
        callable="Ecommerce::PaymentHandler",
        method="charge",
        resolver="explicit_mapping",
        initialization={"gateway": "sandbox", "timeout_ms": 2500},
    )
    assert charge.retry == RetryConfiguration(
        retryable=True, max_attempts=5, backoff="linear", backoff_base_ms=200, max_backoff_ms=4000
    )
    assert charge.timeout_seconds == 20
    assert charge.dependencies == ["validate_order"]
    assert charge.result_schema == {
        "type": "object",
        "properties": {"charge_id": {"type": "string"}},
    }
    assert charge.publishes_events[0]["name"] == "payment.charged"
    assert full().step("validate_order").description == "Check the order exists"


def test_step_types_and_batch_config() -> None:
    t = full()
    assert [s.type for s in t.steps] == [
        StepType.STANDARD,
        StepType.STANDARD,
        StepType.DECISION,
        StepType.BATCHABLE,
        StepType.BATCH_WORKER,
        StepType.DEFERRED_CONVERGENCE,
        StepType.STANDARD,
    ]
    assert t.step("ship_batch").batch_config == BatchConfiguration(
        batch_size=50,
        parallelism=4,
        cursor_field="shipment_id",
        worker_template="ship_batch",
        failure_strategy="fail_fast",
    )


def test_defaults_follow_tasker() -> None:
    t = load_template_text(MINIMAL).template
    pay = t.step("pay")
    assert pay.handler.method == "call" and pay.handler.resolver is None
    assert pay.handler.initialization == {}
    assert pay.type is StepType.STANDARD and pay.dependencies == []
    assert pay.timeout_seconds is None and pay.batch_config is None and pay.publishes_events == []
    assert t.system_dependencies == {"primary": "default", "secondary": []}
    assert t.environments == {} and t.lifecycle is None and t.identity_strategy == "strict"
    assert t.description is None and t.metadata is None and t.input_schema is None


def test_retry_defaults_quirk() -> None:
    """No ``retry:`` at all gets 1000/30000; a ``retry:`` block without them leaves them None."""
    omitted = load_template_text(MINIMAL).template.step("pay").retry
    assert omitted == RetryConfiguration(
        retryable=True,
        max_attempts=3,
        backoff="exponential",
        backoff_base_ms=1000,
        max_backoff_ms=30000,
    )
    given = load_template_text(MINIMAL + "    retry: {max_attempts: 2}\n").template.step("pay")
    assert given.retry == RetryConfiguration(
        max_attempts=2, backoff_base_ms=None, max_backoff_ms=None
    )
    assert given.retry.retryable is True and given.retry.backoff == "exponential"
    null = load_template_text(MINIMAL + "    retry:\n").template.step("pay").retry
    assert (null.backoff_base_ms, null.max_backoff_ms) == (1000, 30000)


@pytest.mark.parametrize(
    ("yaml_key", "value"),
    [("dependencies", "[pay]"), ("depends_on", "[pay]")],
)
def test_depends_on_is_an_alias(yaml_key: str, value: str) -> None:
    text = MINIMAL + f"  - name: ship\n    handler: {{callable: s}}\n    {yaml_key}: {value}\n"
    assert load_template_text(text).template.step("ship").dependencies == ["pay"]


@pytest.mark.parametrize("yaml_key", ["type", "step_type"])
def test_step_type_is_an_alias(yaml_key: str) -> None:
    text = MINIMAL + f"    {yaml_key}: batchable\n"
    assert load_template_text(text).template.step("pay").type is StepType.BATCHABLE


def test_an_explicit_null_means_absent() -> None:
    text = """\
name: c
namespace_name: s
version: 1.0.0
description:
metadata:
system_dependencies:
domain_events:
environments:
steps:
  - name: a
    handler: {callable: h, method: , initialization: }
    dependencies:
    timeout_seconds:
    publishes_events:
    system_dependency:
"""
    t = load_template_text(text).template
    a = t.step("a")
    assert (a.handler.method, a.handler.initialization, a.dependencies) == ("call", {}, [])
    assert a.publishes_events == [] and a.timeout_seconds is None
    assert t.environments == {} and t.system_dependencies["primary"] == "default"


@pytest.mark.parametrize(
    ("written", "kept"), [("1.0.0", "1.0.0"), ("'1.0'", "1.0"), ("1.10", "1.10"), ("2", "2")]
)
def test_version_keeps_what_was_written(written: str, kept: str) -> None:
    text = MINIMAL.replace("version: 1.0.0", f"version: {written}")
    assert load_template_text(text).template.version == kept


def test_the_model_survives_a_json_round_trip() -> None:
    """The engine stores the template as JSON with each task and reads it back."""
    t = full()
    again = TaskTemplate.model_validate_json(t.model_dump_json())
    assert again == t
    assert again.step("route").type is StepType.DECISION


def test_step_lookup_and_key() -> None:
    t = full()
    assert t.step("audit").dependencies == ["validate_order"]
    with pytest.raises(KeyError, match="has no step 'nope'"):
        t.step("nope")
    assert t.dependency_map()["confirm"] == ["ship_batch", "route"]
