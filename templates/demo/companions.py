"""The companion workflows the checkout demo runs beside its orders, with their intended ends.

Four tasks per seed, one per companion workflow: a flaky analytics extract that is retried
after its 2 s backoff and completes, a user registration (diamond) and a payments refund that
complete, and a support-ticket refund that waits for a manager: its one-attempt approval step
fails with ``AWAITING_APPROVAL`` and the task stays ``blocked_by_failures`` until an operator
completes the step (``c`` in the console, ``tasker task complete-step`` on the command line).
The contexts carry the seed, so each seed's companions are tasks of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data_pipeline.extract import pipeline_id_failing
from ..payments.services import FRAUD_THRESHOLD, fraud_score
from .mix import BLOCKED, COMPLETE


@dataclass(frozen=True)
class CompanionScenario:
    """One companion task and how it must end."""

    kind: str  # the summary's row label
    namespace: str
    name: str
    context: dict[str, Any]
    summary: str
    expected_status: str
    expected_failed_step: str | None = None
    expected_error_code: str | None = None


def companion_scenarios(seed: int) -> list[CompanionScenario]:
    """The demo's companion tasks for ``seed`` (the same list for the same seed)."""
    email = f"demo{seed}@example.com"
    return [
        CompanionScenario(
            kind="analytics_pipeline",
            namespace="data_pipeline",
            name="analytics_pipeline",
            context={
                "source": "staging",
                "pipeline_id": pipeline_id_failing(1, prefix=f"demo{seed}"),
            },
            summary="3 parallel extracts; the flaky staging one fails once, retried after 2 s",
            expected_status=COMPLETE,
        ),
        CompanionScenario(
            kind="user_registration",
            namespace="microservices",
            name="user_registration",
            context={"email": email, "full_name": "Ada Lovelace", "plan": "professional"},
            summary="diamond: billing and preferences in parallel, then the welcome e-mails",
            expected_status=COMPLETE,
        ),
        CompanionScenario(
            kind="payments refund",
            namespace="payments",
            name="process_refund",
            context={
                "payment_id": f"pay_demo_{seed}",
                "refund_amount": 2500,
                "customer_email": email,
                "order_ref": _order_ref_under_the_fraud_threshold(seed, email),
            },
            summary="$25.00 refund: eligibility, gateway refund, ledger entries, e-mail",
            expected_status=COMPLETE,
        ),
        CompanionScenario(
            kind="support refund",
            namespace="customer_success",
            name="process_refund",
            context={
                "ticket_id": f"TKT-{seed}-ticket_pending",
                "customer_id": f"CUST-{seed}",
                "refund_amount": 80_000,
                "refund_reason": "customer_request",
            },
            summary="$800 refund needs a manager: blocked until an operator completes the approval",
            expected_status=BLOCKED,
            expected_failed_step="get_manager_approval",
            expected_error_code="AWAITING_APPROVAL",
        ),
    ]


def _order_ref_under_the_fraud_threshold(seed: int, email: str) -> str:
    """The first ``ORD-DEMO<seed>-<n>`` the refund's fraud check lets through."""
    n = 0
    while fraud_score(f"ORD-DEMO{seed}-{n}", email) > FRAUD_THRESHOLD:
        n += 1
    return f"ORD-DEMO{seed}-{n}"
