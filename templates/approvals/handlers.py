"""The conditional approval's Tasker handlers (thin: they call ``services``).

Registered names: ``approvals_validate_request``, ``approvals_route_by_amount`` (the decision),
``approvals_auto_approve``, ``approvals_manager_approval``, ``approvals_finance_review``,
``approvals_finalize_approval`` (the deferred convergence).
"""

from __future__ import annotations

from typing import Any

from tasker_core import StepContext
from tasker_core.step_handler.functional import (
    Decision,
    decision_handler,
    depends_on,
    step_handler,
)

from ..handler_support import classified_errors, required, utc_now
from . import services as svc

APPROVAL_STEPS = ("auto_approve", "manager_approval", "finance_review")


@step_handler("approvals_validate_request")
def validate_request(context: StepContext) -> dict[str, Any]:
    with classified_errors():
        return svc.validate(context.input_data)


@decision_handler("approvals_route_by_amount")
@depends_on(request="validate_request")
def route_by_amount(request: dict[str, Any] | None, context: StepContext) -> Decision:
    request = required(request, "validate_request")
    band, steps = svc.route(request["amount"], context.step_config)
    return Decision.route(steps, approval_path=band, amount=request["amount"])


@step_handler("approvals_auto_approve")
@depends_on(request="validate_request")
def auto_approve(request: dict[str, Any] | None) -> dict[str, Any]:
    with classified_errors():
        return svc.approve("policy", required(request, "validate_request"), None, utc_now())


@step_handler("approvals_manager_approval")
@depends_on(request="validate_request")
def manager_approval(request: dict[str, Any] | None, context: StepContext) -> dict[str, Any]:
    with classified_errors():
        request = required(request, "validate_request")
        return svc.approve("manager", request, context.get_input("decisions"), utc_now())


@step_handler("approvals_finance_review")
@depends_on(request="validate_request")
def finance_review(request: dict[str, Any] | None, context: StepContext) -> dict[str, Any]:
    with classified_errors():
        request = required(request, "validate_request")
        return svc.approve("finance", request, context.get_input("decisions"), utc_now())


@step_handler("approvals_finalize_approval")
@depends_on(request="validate_request", routing="routing_decision")
def finalize_approval(
    request: dict[str, Any] | None, routing: dict[str, Any] | None, context: StepContext
) -> dict[str, Any]:
    approvals = [
        context.get_dependency_result(name)
        for name in APPROVAL_STEPS
        if context.get_dependency_result(name) is not None
    ]
    return svc.finalize(
        required(request, "validate_request"),
        required(routing, "routing_decision"),
        approvals,
        utc_now(),
    )
