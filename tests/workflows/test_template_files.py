"""The shipped YAML: shapes, retry policies and schemas that agree with the typed models."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from tasker_workflows.customer_success import models as support
from tasker_workflows.data_pipeline import models as pipeline
from tasker_workflows.ecommerce import models as ecommerce
from tasker_workflows.microservices import models as registration
from tasker_workflows.payments import models as payments

from engine import shipped
from engine.handlers.registry import HandlerRegistry
from engine.templates import load_template
from tests.workflows.schema_tools import simple_schema, template_shape

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
    ("data_pipeline", "analytics_pipeline"): {
        "extract_sales_data": ("data_pipeline_extract_sales_data", []),
        "extract_inventory_data": ("data_pipeline_extract_inventory_data", []),
        "extract_customer_data": ("data_pipeline_extract_customer_data", []),
        "transform_sales": ("data_pipeline_transform_sales", ["extract_sales_data"]),
        "transform_inventory": ("data_pipeline_transform_inventory", ["extract_inventory_data"]),
        "transform_customers": ("data_pipeline_transform_customers", ["extract_customer_data"]),
        "aggregate_metrics": (
            "data_pipeline_aggregate_metrics",
            ["transform_sales", "transform_inventory", "transform_customers"],
        ),
        "generate_insights": ("data_pipeline_generate_insights", ["aggregate_metrics"]),
    },
    ("microservices", "user_registration"): {
        "create_user_account": ("microservices_create_user_account", []),
        "setup_billing_profile": ("microservices_setup_billing_profile", ["create_user_account"]),
        "initialize_preferences": ("microservices_initialize_preferences", ["create_user_account"]),
        "send_welcome_sequence": (
            "microservices_send_welcome_sequence",
            ["setup_billing_profile", "initialize_preferences"],
        ),
        "update_user_status": ("microservices_update_user_status", ["send_welcome_sequence"]),
    },
    ("payments", "process_refund"): {
        "validate_payment_eligibility": ("payments_validate_payment_eligibility", []),
        "process_gateway_refund": (
            "payments_process_gateway_refund",
            ["validate_payment_eligibility"],
        ),
        "update_payment_records": ("payments_update_payment_records", ["process_gateway_refund"]),
        "notify_customer": ("payments_notify_customer", ["update_payment_records"]),
    },
    ("customer_success", "process_refund"): {
        "validate_refund_request": ("customer_success_validate_refund_request", []),
        "check_refund_policy": (
            "customer_success_check_refund_policy",
            ["validate_refund_request"],
        ),
        "get_manager_approval": ("customer_success_get_manager_approval", ["check_refund_policy"]),
        "execute_refund_workflow": (
            "customer_success_execute_refund_workflow",
            ["get_manager_approval"],
        ),
        "update_ticket_status": (
            "customer_success_update_ticket_status",
            ["execute_refund_workflow"],
        ),
    },
    ("approvals", "conditional_approval"): {
        "validate_request": ("approvals_validate_request", []),
        "routing_decision": ("approvals_route_by_amount", ["validate_request"]),
        "auto_approve": ("approvals_auto_approve", ["routing_decision"]),
        "manager_approval": ("approvals_manager_approval", ["routing_decision"]),
        "finance_review": ("approvals_finance_review", ["routing_decision"]),
        "finalize_approval": (
            "approvals_finalize_approval",
            ["auto_approve", "manager_approval", "finance_review"],
        ),
    },
    ("inventory", "csv_import"): {
        "analyze_csv": ("inventory_analyze_csv", []),
        "process_csv_batch": ("inventory_process_csv_batch", ["analyze_csv"]),
        "aggregate_inventory": ("inventory_aggregate_inventory", ["process_csv_batch"]),
    },
}

# (namespace, name) -> (context model, {step: result model})
_CHECKOUT_RESULTS: dict[str, type[BaseModel]] = {
    "validate_cart": ecommerce.ValidateCartResult,
    "process_payment": ecommerce.ProcessPaymentResult,
    "update_inventory": ecommerce.UpdateInventoryResult,
    "create_order": ecommerce.CreateOrderResult,
    "send_confirmation": ecommerce.SendConfirmationResult,
}
MODELS: dict[tuple[str, str], tuple[type[BaseModel], dict[str, type[BaseModel]]]] = {
    ("ecommerce", "order_processing"): (ecommerce.OrderContext, _CHECKOUT_RESULTS),
    ("ecommerce", "order_processing_diamond"): (ecommerce.OrderContext, _CHECKOUT_RESULTS),
    ("data_pipeline", "analytics_pipeline"): (
        pipeline.AnalyticsContext,
        {
            "extract_sales_data": pipeline.SalesExtract,
            "extract_inventory_data": pipeline.InventoryExtract,
            "extract_customer_data": pipeline.CustomerExtract,
            "transform_sales": pipeline.SalesSummary,
            "transform_inventory": pipeline.InventorySummary,
            "transform_customers": pipeline.CustomerSummary,
            "aggregate_metrics": pipeline.AggregateMetrics,
            "generate_insights": pipeline.Insights,
        },
    ),
    ("microservices", "user_registration"): (
        registration.RegistrationContext,
        {
            "create_user_account": registration.UserAccount,
            "setup_billing_profile": registration.BillingProfile,
            "initialize_preferences": registration.UserPreferences,
            "send_welcome_sequence": registration.WelcomeSequence,
            "update_user_status": registration.UserActivation,
        },
    ),
    ("payments", "process_refund"): (
        payments.RefundContext,
        {
            "validate_payment_eligibility": payments.Eligibility,
            "process_gateway_refund": payments.GatewayRefund,
            "update_payment_records": payments.PaymentRecords,
            "notify_customer": payments.RefundNotification,
        },
    ),
    ("customer_success", "process_refund"): (
        support.TicketRefundContext,
        {
            "validate_refund_request": support.RefundRequest,
            "check_refund_policy": support.PolicyCheck,
            "get_manager_approval": support.Approval,
            "execute_refund_workflow": support.RefundExecution,
            "update_ticket_status": support.TicketUpdate,
        },
    ),
}

# (namespace, name) -> {step: (max_attempts, backoff_base_ms, max_backoff_ms, timeout_seconds)}
POLICIES = {
    ("data_pipeline", "analytics_pipeline"): {
        **dict.fromkeys(
            ["extract_sales_data", "extract_inventory_data", "extract_customer_data"],
            (3, 2000, 30000, 30),
        ),
        **dict.fromkeys(
            ["transform_sales", "transform_inventory", "transform_customers", "generate_insights"],
            (2, 2000, 20000, 20),
        ),
        "aggregate_metrics": (2, 2000, 20000, 30),
    },
    ("microservices", "user_registration"): {
        **dict.fromkeys(
            ["create_user_account", "setup_billing_profile", "initialize_preferences"],
            (3, 2000, 30000, 30),
        ),
        **dict.fromkeys(["send_welcome_sequence", "update_user_status"], (2, 2000, 20000, 20)),
    },
    ("payments", "process_refund"): {
        "validate_payment_eligibility": (3, 2000, 30000, 10),
        "process_gateway_refund": (2, 5000, 60000, 10),
        "update_payment_records": (3, 2000, 30000, 10),
        "notify_customer": (5, 2000, 60000, 10),
    },
    ("customer_success", "process_refund"): {
        "validate_refund_request": (3, 2000, 30000, 10),
        "check_refund_policy": (2, 2000, 20000, 10),
        "get_manager_approval": (1, 60000, 60000, 10),
        "execute_refund_workflow": (3, 5000, 60000, 10),
        "update_ticket_status": (3, 2000, 30000, 10),
    },
}


def _load(namespace: str, name: str) -> dict:
    template: dict = yaml.safe_load((TEMPLATES / namespace / f"{name}.yaml").read_text())
    return template


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


@pytest.mark.parametrize(("namespace", "name"), sorted(POLICIES))
def test_retry_policies_follow_the_reference(namespace, name):
    policy = {
        s["name"]: (
            s["retry"]["max_attempts"],
            s["retry"]["backoff_base_ms"],
            s["retry"]["max_backoff_ms"],
            s["timeout_seconds"],
        )
        for s in _load(namespace, name)["steps"]
    }
    assert policy == POLICIES[(namespace, name)]


@pytest.mark.parametrize(("namespace", "name"), sorted(SHAPES))
def test_the_engine_loads_each_template_without_warnings(namespace, name):
    loaded = load_template(TEMPLATES / namespace / f"{name}.yaml")
    assert (loaded.template.namespace_name, loaded.template.name) == (namespace, name)
    assert loaded.warnings == []


def test_every_callable_is_a_registered_handler():
    shipped.import_shipped_handlers()
    registered = set(HandlerRegistry.instance().list_handlers())
    named = {callable_ for shape in SHAPES.values() for callable_, _deps in shape.values()}
    assert named <= registered
