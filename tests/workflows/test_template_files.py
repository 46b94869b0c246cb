"""The shipped YAML: shapes, retry policies and schemas that agree with the typed models."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from schema_tools import simple_schema, template_shape
from tasker_workflows.ecommerce import models as ecommerce

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# (namespace, name) -> {step: (handler callable, dependencies)}
SHAPES = {
    ("ecommerce", "order_processing"): {
        "validate_cart": ("ecommerce_validate_cart", []),
        "process_payment": ("ecommerce_process_payment", ["validate_cart"]),
        "update_inventory": ("ecommerce_update_inventory", ["process_payment"]),
        "create_order": ("ecommerce_create_order", ["update_inventory"]),
        "send_confirmation": ("ecommerce_send_confirmation", ["create_order"]),
    },
    ("ecommerce", "order_processing_diamond"): {
        "validate_cart": ("ecommerce_validate_cart", []),
        "process_payment": ("ecommerce_process_payment", ["validate_cart"]),
        "update_inventory": ("ecommerce_update_inventory", ["validate_cart"]),
        "create_order": ("ecommerce_create_order", ["process_payment", "update_inventory"]),
        "send_confirmation": ("ecommerce_send_confirmation", ["create_order"]),
    },
}

# (namespace, name) -> (context model, {step: result model})
_CHECKOUT_RESULTS = {
    "validate_cart": ecommerce.ValidateCartResult,
    "process_payment": ecommerce.ProcessPaymentResult,
    "update_inventory": ecommerce.UpdateInventoryResult,
    "create_order": ecommerce.CreateOrderResult,
    "send_confirmation": ecommerce.SendConfirmationResult,
}
MODELS = {
    ("ecommerce", "order_processing"): (ecommerce.OrderContext, _CHECKOUT_RESULTS),
    ("ecommerce", "order_processing_diamond"): (ecommerce.OrderContext, _CHECKOUT_RESULTS),
}


def _load(namespace: str, name: str) -> dict:
    return yaml.safe_load((TEMPLATES / namespace / f"{name}.yaml").read_text())


def test_every_shipped_yaml_is_listed_here():
    found = {(p.parent.name, p.stem) for p in TEMPLATES.glob("*/*.yaml")}
    assert found == set(SHAPES)


@pytest.mark.parametrize(("namespace", "name"), sorted(SHAPES))
def test_template_identity_and_shape(namespace, name):
    template = _load(namespace, name)
    assert (template["namespace_name"], template["name"], template["version"]) == (
        namespace,
        name,
        "1.0.0",
    )
    shape = {s["name"]: (s["handler"]["callable"], s["dependencies"]) for s in template["steps"]}
    assert shape == SHAPES[(namespace, name)]


@pytest.mark.parametrize(("namespace", "name"), sorted(SHAPES))
def test_handler_names_are_namespaced(namespace, name):
    for step in _load(namespace, name)["steps"]:
        assert step["handler"]["callable"].startswith(f"{namespace}_")


@pytest.mark.parametrize("name", ["order_processing", "order_processing_diamond"])
def test_checkout_keeps_the_seed_retry_policy(name):
    for step in _load("ecommerce", name)["steps"]:
        assert step["retry"] == {
            "retryable": True,
            "max_attempts": 2,
            "backoff": "exponential",
            "backoff_base_ms": 100,
            "max_backoff_ms": 5000,
        }
        assert step["timeout_seconds"] == 10


@pytest.mark.parametrize(("namespace", "name"), sorted(MODELS))
def test_schemas_agree_with_the_models(namespace, name):
    template = _load(namespace, name)
    context_model, results = MODELS[(namespace, name)]
    assert template_shape(template["input_schema"]) == simple_schema(context_model)
    for step in template["steps"]:
        expected = simple_schema(results[step["name"]])
        assert template_shape(step["result_schema"]) == expected, step["name"]
