"""The customer-success refund's Tasker handlers (thin: they call ``services``).

Registered names: ``customer_success_validate_refund_request``,
``customer_success_check_refund_policy``, ``customer_success_get_manager_approval``,
``customer_success_execute_refund_workflow``, ``customer_success_update_ticket_status``.
"""

from __future__ import annotations

from tasker_core.step_handler.functional import depends_on, inputs, step_handler

from ..handler_support import classified_errors, required, utc_now
from . import services as svc
from .models import (
    Approval,
    PolicyCheck,
    RefundExecution,
    RefundRequest,
    TicketRefundInput,
    TicketUpdate,
)


@step_handler("customer_success_validate_refund_request")
@inputs(TicketRefundInput)
def validate_refund_request(inputs: TicketRefundInput) -> RefundRequest:
    with classified_errors():
        return svc.validate_request(inputs, now=utc_now())


@step_handler("customer_success_check_refund_policy")
@depends_on(request=("validate_refund_request", RefundRequest))
@inputs(TicketRefundInput)
def check_refund_policy(request: RefundRequest | None, inputs: TicketRefundInput) -> PolicyCheck:
    with classified_errors():
        return svc.check_policy(
            required(request, "validate_refund_request"),
            inputs.days_since_purchase,
            inputs.previous_refunds,
            now=utc_now(),
        )


@step_handler("customer_success_get_manager_approval")
@depends_on(
    request=("validate_refund_request", RefundRequest), policy=("check_refund_policy", PolicyCheck)
)
def get_manager_approval(request: RefundRequest | None, policy: PolicyCheck | None) -> Approval:
    with classified_errors():
        return svc.approve(
            required(request, "validate_refund_request"),
            required(policy, "check_refund_policy"),
            now=utc_now(),
        )


@step_handler("customer_success_execute_refund_workflow")
@depends_on(
    request=("validate_refund_request", RefundRequest), approval=("get_manager_approval", Approval)
)
@inputs(TicketRefundInput)
def execute_refund_workflow(
    request: RefundRequest | None, approval: Approval | None, inputs: TicketRefundInput
) -> RefundExecution:
    return svc.delegate_refund(
        required(request, "validate_refund_request"),
        required(approval, "get_manager_approval"),
        inputs.correlation_id,
        now=utc_now(),
    )


@step_handler("customer_success_update_ticket_status")
@depends_on(
    request=("validate_refund_request", RefundRequest),
    execution=("execute_refund_workflow", RefundExecution),
)
def update_ticket_status(
    request: RefundRequest | None, execution: RefundExecution | None
) -> TicketUpdate:
    with classified_errors():
        return svc.resolve_ticket(
            required(request, "validate_refund_request"),
            required(execution, "execute_refund_workflow"),
            now=utc_now(),
        )
