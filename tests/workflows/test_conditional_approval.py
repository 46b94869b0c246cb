"""approvals/conditional_approval: the routing rules, then the shipped workflow through the
engine: each amount band creates the approvals it needs, a rejection blocks the task, and a
decision configured to name an unknown step fails on that step with nothing created."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from tasker_workflows.approvals import services as svc
from tasker_workflows.errors import BusinessRuleError

from engine.api import Engine, open_engine
from engine.clock import FakeClock

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "approvals"


def request(amount: float, **more: object) -> dict:
    return {"request_id": "EXP-1", "amount": amount, "requester": "ada", "purpose": "gear", **more}


@pytest.mark.parametrize(
    ("amount", "band", "steps"),
    [
        (0.01, "small", ["auto_approve"]),
        (999.99, "small", ["auto_approve"]),
        (1000, "medium", ["manager_approval"]),
        (4999.99, "medium", ["manager_approval"]),
        (5000, "large", ["manager_approval", "finance_review"]),
        (1_000_000, "large", ["manager_approval", "finance_review"]),
    ],
)
def test_amount_bands_and_their_routes(amount: float, band: str, steps: list[str]) -> None:
    assert svc.route(amount, {}) == (band, steps)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": 0}, "INVALID_AMOUNT"),
        ({"amount": 1_000_001}, "INVALID_AMOUNT"),
        ({"amount": "12"}, "INVALID_AMOUNT"),
        ({"requester": " "}, "MISSING_FIELD"),
    ],
)
def test_invalid_requests_are_refused(change: dict, code: str) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        svc.validate({**request(10), **change})
    assert caught.value.code == code


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with open_engine(tmp_path / "approvals.db", clock=FakeClock()) as eng:
        yield eng


async def approve(engine: Engine, context: dict, namespace: str = "approvals") -> dict:
    made = await engine.create_task("conditional_approval", namespace, context)
    assert [s["name"] for s in made.task["steps"]] == ["validate_request", "routing_decision"]
    await engine.run_until_idle()
    return await engine.get_task(made.task["task_uuid"])


def by_name(task: dict) -> dict[str, dict]:
    return {s["name"]: s for s in task["steps"]}


@pytest.mark.parametrize(
    ("amount", "approvals", "approved_by"),
    [
        (250, ["auto_approve"], ["policy"]),
        (2500, ["manager_approval"], ["manager"]),
        (7200, ["manager_approval", "finance_review"], ["manager", "finance"]),
    ],
)
async def test_each_band_creates_its_approvals_then_finalizes(
    engine: Engine, amount: float, approvals: list[str], approved_by: list[str]
) -> None:
    task = await approve(engine, request(amount))
    steps = by_name(task)
    assert task["status"] == "complete"
    assert list(steps) == ["validate_request", "routing_decision", *approvals, "finalize_approval"]
    assert steps["finalize_approval"]["dependencies"] == approvals
    final = steps["finalize_approval"]["results"]
    assert final["approved_by"] == approved_by and final["status"] == "approved"
    assert final["amount"] == amount
    routing = steps["routing_decision"]["results"]
    assert routing["decision_point_outcome"] == {"type": "create_steps", "step_names": approvals}


async def test_a_finance_rejection_blocks_the_task_before_finalize(engine: Engine) -> None:
    task = await approve(engine, request(9000, decisions={"finance": "reject"}))
    steps = by_name(task)
    assert task["status"] == "blocked_by_failures"
    assert steps["manager_approval"]["current_state"] == "complete"
    assert steps["finance_review"]["current_state"] == "error"
    assert steps["finance_review"]["error"]["error_code"] == "REJECTED_BY_FINANCE"
    assert steps["finalize_approval"]["current_state"] == "pending"


async def test_a_decision_naming_an_unknown_step_fails_and_creates_nothing(
    tmp_path: Path,
) -> None:
    """An operator's copy of the template routes large amounts to a step it does not have."""
    template = yaml.safe_load((TEMPLATE / "conditional_approval.yaml").read_text())
    template["namespace_name"] = "approvals_misrouted"
    routing = next(s for s in template["steps"] if s["name"] == "routing_decision")
    routing["handler"]["initialization"]["routes"]["large"] = ["manager_approval", "cfo_review"]
    folder = tmp_path / "misrouted"
    folder.mkdir()
    (folder / "conditional_approval.yaml").write_text(yaml.safe_dump(template))
    async with open_engine(tmp_path / "m.db", templates=[folder], clock=FakeClock()) as engine:
        task = await approve(engine, request(8000), namespace="approvals_misrouted")
        small = await approve(engine, request(10), namespace="approvals_misrouted")
    decision = by_name(task)["routing_decision"]
    assert task["status"] == "blocked_by_failures"
    assert list(by_name(task)) == ["validate_request", "routing_decision"]
    assert (decision["current_state"], decision["attempts"]) == ("error", 1)
    assert decision["error"]["error_code"] == "invalid_decision"
    assert (
        "named step 'cfo_review', which is not a step of template" in (decision["error"]["message"])
    )
    assert small["status"] == "complete"  # the other bands still route correctly
