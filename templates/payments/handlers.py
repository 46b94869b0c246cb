"""The payments refund's Tasker handlers (thin: they call ``services``).

Registered names: ``payments_validate_payment_eligibility``, ``payments_process_gateway_refund``,
``payments_update_payment_records``, ``payments_notify_customer``.
"""

from __future__ import annotations

from tasker_core.step_handler.functional import depends_on, inputs, step_handler
from tasker_core.types import StepContext

from ..handler_support import classified_errors, required, utc_now
from ..outbox import Outbox, outbox_path
from . import services as svc
from .models import Eligibility, GatewayRefund, PaymentRecords, RefundInput, RefundNotification


@step_handler("payments_validate_payment_eligibility")
@inputs(RefundInput)
def validate_payment_eligibility(inputs: RefundInput) -> Eligibility:
    with classified_errors():
        return svc.validate_eligibility(inputs, now=utc_now())


@step_handler("payments_process_gateway_refund")
@depends_on(eligibility=("validate_payment_eligibility", Eligibility))
def process_gateway_refund(eligibility: Eligibility | None, context: StepContext) -> GatewayRefund:
    with classified_errors():
        return svc.refund_at_gateway(
            required(eligibility, "validate_payment_eligibility"),
            id_seed=context.task_uuid,
            now=utc_now(),
        )


@step_handler("payments_update_payment_records")
@depends_on(
    eligibility=("validate_payment_eligibility", Eligibility),
    refund=("process_gateway_refund", GatewayRefund),
)
def update_payment_records(
    eligibility: Eligibility | None, refund: GatewayRefund | None
) -> PaymentRecords:
    with classified_errors():
        return svc.record_refund(
            required(eligibility, "validate_payment_eligibility"),
            required(refund, "process_gateway_refund"),
            now=utc_now(),
        )


@step_handler("payments_notify_customer")
@depends_on(
    refund=("process_gateway_refund", GatewayRefund),
    records=("update_payment_records", PaymentRecords),
)
@inputs(RefundInput)
def notify_customer(
    refund: GatewayRefund | None,
    records: PaymentRecords | None,
    inputs: RefundInput,
    context: StepContext,
) -> RefundNotification:
    required(records, "update_payment_records")
    with classified_errors():
        return svc.notify(
            inputs.customer_email,
            required(refund, "process_gateway_refund"),
            Outbox(outbox_path(context.step_config)),
            message_key=f"{context.task_uuid}:notify_customer",
            now=utc_now(),
        )
