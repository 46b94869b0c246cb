"""Class-based handlers in the style of Tasker's example apps (``StepHandler`` subclasses)."""

from __future__ import annotations

from collections.abc import Awaitable

from tasker_core import ErrorType, PermanentError, StepContext, StepHandler, StepHandlerResult


class ValidateRefundHandler(StepHandler):
    handler_name = "validate_refund"

    def call(self, context: StepContext) -> StepHandlerResult:
        amount = context.get_input("amount")
        if not amount or amount <= 0:
            return StepHandlerResult.failure(
                message=f"Refund amount must be positive, got: {amount}",
                error_type=ErrorType.VALIDATION_ERROR,
                retryable=False,
                error_code="INVALID_AMOUNT",
            )
        return self.success({"amount": amount}, metadata={"checked": "amount"})


class RefundGatewayHandler(StepHandler):
    """One class, several entry points: templates pick one with ``handler.method``."""

    handler_name = "refund_gateway"

    def call(self, context: StepContext) -> Awaitable[StepHandlerResult]:
        return self.refund(context)

    def validate(self, context: StepContext) -> StepHandlerResult:
        return self.success({"validated_by": "gateway"})

    async def refund(self, context: StepContext) -> StepHandlerResult:
        if context.get_config("gateway") == "closed":
            raise PermanentError("the refund gateway is closed", error_code="gateway_closed")
        amount = context.get_dependency_field("validate_refund", "amount")
        return self.success({"refunded": amount, "gateway": context.get_config("gateway")})
