"""The rules of the conditional approval, without the handler API (tested on their own).

Bands: an amount under ``small`` (1,000) is approved by policy; under ``large`` (5,000) it needs
the requester's manager; from ``large`` up it needs the manager and finance. Approvers are
stood in for by the request's ``decisions`` (``{"manager": "reject"}``); absent means approve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import BusinessRuleError

MAX_AMOUNT = 1_000_000
DEFAULT_THRESHOLDS = {"small": 1000, "large": 5000}
DEFAULT_ROUTES = {
    "small": ["auto_approve"],
    "medium": ["manager_approval"],
    "large": ["manager_approval", "finance_review"],
}


def validate(context: dict[str, Any]) -> dict[str, Any]:
    """The request as the other steps read it, or BusinessRuleError naming the bad field."""
    for field in ("request_id", "requester", "purpose"):
        value = context.get(field)
        if not isinstance(value, str) or not value.strip():
            raise BusinessRuleError(f"{field} is missing or empty", code="MISSING_FIELD")
    amount = context.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise BusinessRuleError(f"amount must be a number, not {amount!r}", code="INVALID_AMOUNT")
    if not 0 < amount <= MAX_AMOUNT:
        raise BusinessRuleError(
            f"amount {amount:,} is outside (0, {MAX_AMOUNT:,}]", code="INVALID_AMOUNT"
        )
    return {
        "request_id": context["request_id"].strip(),
        "requester": context["requester"].strip(),
        "purpose": context["purpose"].strip(),
        "amount": round(float(amount), 2),
    }


def band(amount: float, thresholds: dict[str, Any] | None = None) -> str:
    """small (< small), medium (< large) or large: 999.99 → small, 1000 → medium, 5000 → large."""
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    if amount < limits["small"]:
        return "small"
    if amount < limits["large"]:
        return "medium"
    return "large"


def route(amount: float, config: dict[str, Any]) -> tuple[str, list[str]]:
    """The band of ``amount`` and the approval steps it needs (``handler.initialization``)."""
    name = band(amount, config.get("thresholds"))
    routes = {**DEFAULT_ROUTES, **(config.get("routes") or {})}
    return name, list(routes[name])


def approve(
    role: str, request: dict[str, Any], decisions: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """One approver's decision; a rejection is final (BusinessRuleError)."""
    decision = str((decisions or {}).get(role, "approve")).lower()
    if decision not in ("approve", "reject"):
        raise BusinessRuleError(
            f"decisions.{role} is {decision!r}; use approve or reject", code="INVALID_DECISION"
        )
    if decision == "reject":
        raise BusinessRuleError(
            f"{role} rejected request {request['request_id']} ({request['amount']:,.2f})",
            code=f"REJECTED_BY_{role.upper()}",
            details={"request_id": request["request_id"], "role": role},
        )
    return {
        "approved": True,
        "approver_role": role,
        "request_id": request["request_id"],
        "approved_at": now.isoformat(),
    }


def finalize(
    request: dict[str, Any], routing: dict[str, Any], approvals: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """The recorded outcome: who approved, along which path."""
    roles = [a["approver_role"] for a in approvals]
    needed = routing.get("routing_context", {}).get("approval_path")
    return {
        "request_id": request["request_id"],
        "amount": request["amount"],
        "status": "approved",
        "approval_path": needed,
        "approved_by": roles,
        "finalized_at": now.isoformat(),
    }
