"""What a checkout demo run came to, from the tasks, the gateway's ledger and the outbox.

Pure: ``summarise`` takes the demo's tasks (each with its scenario), their ``get_task`` views,
the gateway's charges and the number of confirmation e-mails, and returns the facts the
summary table shows, including every task that did not end as its scenario intended.

A scenario says how a task ends when nobody intervenes. A task an operator acted on, or one
that lost an attempt to a worker that stopped mid-step (an interrupted demo: the lease brings
the step back, and the lost attempt counts), is listed with that reason instead of judged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .companions import CompanionScenario
from .gateway_state import Charge
from .mix import KIND_DESCRIPTIONS, OrderScenario

SETTLED = frozenset({"complete", "blocked_by_failures", "error", "cancelled", "resolved_manually"})
OPERATOR_ONLY = frozenset({"error", "cancelled", "resolved_manually"})  # give-up, cancel...
PAYMENT_STEP = "process_payment"

Scenario = OrderScenario | CompanionScenario


@dataclass(frozen=True)
class DemoTask:
    """A task of the demo: its scenario, its uuid, and whether this run created it."""

    scenario: Scenario
    task_uuid: str
    created: bool


@dataclass(frozen=True)
class KindRow:
    """One line of the mix: a kind of order (or a companion workflow) and how it went."""

    kind: str
    what_happens: str
    tasks: int
    should_end: str
    as_intended: int


@dataclass(frozen=True)
class FailureRow:
    error_code: str
    step: str
    why: str  # "permanent" or "retryable, 2/2 attempts used"
    tasks: int


@dataclass
class DemoSummary:
    orders: int
    companions: int
    created: int
    kinds: list[KindRow]
    tasks_by_status: dict[str, int]
    step_attempts: int
    retries: int  # attempts after a step's first one
    steps_retried: int
    payment_attempts: int
    failures: list[FailureRow]
    charges_taken: int
    amount_charged_cents: int
    replayed_answers: int  # requests that found their charge already taken
    double_charged_orders: int
    confirmations: int
    problems: list[str] = field(default_factory=list)  # tasks that did not end as intended
    excused: list[str] = field(default_factory=list)  # not judged, with the reason
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.double_charged_orders == 0


def summarise(
    tasks: list[DemoTask],
    views: dict[str, dict[str, Any]],
    charges: list[Charge],
    confirmations: int,
    excused: dict[str, str] | None = None,
) -> DemoSummary:
    """The demo's facts. ``excused``: why some tasks are not judged, by uuid (an operator
    acted on them, or a stopped worker cost them an attempt)."""
    excused = dict(excused or {})
    by_token = charges_by_token(charges)
    orders = [t for t in tasks if isinstance(t.scenario, OrderScenario)]
    tokens = [t.scenario.token for t in tasks if isinstance(t.scenario, OrderScenario)]
    order_charges = [c for token in tokens for c in by_token.get(token, [])]
    steps = [step for t in tasks for step in views[t.task_uuid]["steps"]]
    summary = DemoSummary(
        orders=len(orders),
        companions=len(tasks) - len(orders),
        created=sum(t.created for t in tasks),
        kinds=[],
        tasks_by_status=dict(Counter(views[t.task_uuid]["status"] for t in tasks)),
        step_attempts=sum(s["attempts"] for s in steps),
        retries=sum(max(0, s["attempts"] - 1) for s in steps),
        steps_retried=sum(s["attempts"] > 1 for s in steps),
        payment_attempts=sum(_step(views[t.task_uuid], PAYMENT_STEP)["attempts"] for t in orders),
        failures=_failure_rows(tasks, views),
        charges_taken=len(order_charges),
        amount_charged_cents=sum(c.amount_cents for c in order_charges),
        replayed_answers=sum(c.requests - 1 for c in order_charges),
        double_charged_orders=sum(len(by_token.get(token, [])) > 1 for token in tokens),
        confirmations=confirmations,
    )
    intended: Counter[str] = Counter()
    extra_attempts = 0
    for task in tasks:
        view = views[task.task_uuid]
        label = _label(task)
        if view["status"] in OPERATOR_ONLY and task.task_uuid not in excused:
            excused[task.task_uuid] = "an operator ended it"
        if task.task_uuid in excused:
            summary.excused.append(f"{label}: {view['status']}; {excused[task.task_uuid]}")
            continue
        found = problems(task.scenario, view, by_token)
        summary.problems += [f"{label}: {problem}" for problem in found]
        if not found:
            intended[_kind(task.scenario)] += 1
            extra_attempts += _extra_payment_attempts(task.scenario, view)
    summary.kinds = _kind_rows(tasks, intended)
    if extra_attempts:
        summary.notes.append(
            f"{extra_attempts} payment attempt(s) more than planned (an answer later than the "
            "timeout on a busy machine, or an attempt lost when a worker stopped); "
            "those orders still ended as intended"
        )
    return summary


def charges_by_token(charges: list[Charge]) -> dict[str, list[Charge]]:
    by_token: dict[str, list[Charge]] = {}
    for charge in charges:
        by_token.setdefault(charge.token, []).append(charge)
    return by_token


def tasks_with_problems(
    tasks: list[DemoTask], views: dict[str, dict[str, Any]], charges: list[Charge]
) -> list[DemoTask]:
    """The tasks whose end differs from their scenario's (to look for a reason in the audit)."""
    by_token = charges_by_token(charges)
    return [t for t in tasks if problems(t.scenario, views[t.task_uuid], by_token)]


def problems(
    scenario: Scenario, view: dict[str, Any], charges_by_token: dict[str, list[Charge]]
) -> list[str]:
    """How the task's end differs from its scenario's (empty when it ended as intended)."""
    found = []
    status = view["status"]
    if status not in SETTLED:
        found.append(f"still {status}")
    elif status != scenario.expected_status:
        found.append(f"ended {status}, expected {scenario.expected_status}")
    elif status == "blocked_by_failures":
        step = _failed_step(scenario)
        failed = [s for s in view["steps"] if s["current_state"] == "error"]
        codes = [(s["name"], (s["error"] or {}).get("error_code")) for s in failed]
        if codes != [(step, scenario.expected_error_code)]:
            found.append(
                f"failed at {codes}, expected [({step!r}, {scenario.expected_error_code!r})]"
            )
    if isinstance(scenario, OrderScenario):
        taken = charges_by_token.get(scenario.token, [])
        if len(taken) != scenario.expected_charges:
            found.append(f"charged {len(taken)} time(s), expected {scenario.expected_charges}")
        elif taken and taken[0].amount_cents != scenario.expected_amount_cents:
            found.append(
                f"charged {taken[0].amount_cents} cents, expected {scenario.expected_amount_cents}"
            )
    return found


def _failed_step(scenario: Scenario) -> str | None:
    if isinstance(scenario, OrderScenario):
        return PAYMENT_STEP
    return scenario.expected_failed_step


def _extra_payment_attempts(scenario: Scenario, view: dict[str, Any]) -> int:
    if not isinstance(scenario, OrderScenario):
        return 0
    attempts: int = _step(view, PAYMENT_STEP)["attempts"]
    return max(0, attempts - scenario.expected_payment_attempts)


def _failure_rows(tasks: list[DemoTask], views: dict[str, dict[str, Any]]) -> list[FailureRow]:
    rows: Counter[tuple[str, str, str]] = Counter()
    for task in tasks:
        for step in views[task.task_uuid]["steps"]:
            if step["current_state"] != "error":
                continue
            error = step["error"] or {}
            permanent = error.get("error_type") == "permanent_error"
            why = (
                "permanent"
                if permanent
                else f"retryable, {step['attempts']}/{step['max_attempts']} attempts used"
            )
            code = error.get("error_code") or error.get("error_type") or "?"
            rows[(code, step["name"], why)] += 1
    return [FailureRow(code, step, why, n) for (code, step, why), n in sorted(rows.items())]


def _kind(scenario: Scenario) -> str:
    return str(scenario.kind)


def _label(task: DemoTask) -> str:
    scenario = task.scenario
    if isinstance(scenario, OrderScenario):
        return f"order {scenario.index:04d} ({scenario.kind}, task {task.task_uuid[-8:]})"
    return f"{scenario.namespace}/{scenario.name} (task {task.task_uuid[-8:]})"


def _kind_rows(tasks: list[DemoTask], intended: Counter[str]) -> list[KindRow]:
    rows: dict[str, KindRow] = {}
    for task in tasks:
        scenario = task.scenario
        kind = _kind(scenario)
        if kind in rows:
            row = rows[kind]
            rows[kind] = KindRow(kind, row.what_happens, row.tasks + 1, row.should_end, 0)
            continue
        what = (
            KIND_DESCRIPTIONS[scenario.kind]
            if isinstance(scenario, OrderScenario)
            else scenario.summary
        )
        rows[kind] = KindRow(kind, what, 1, scenario.expected_status, 0)
    order = {str(kind): n for n, kind in enumerate(KIND_DESCRIPTIONS)}
    ranked = sorted(rows.values(), key=lambda row: order.get(row.kind, len(order)))
    return [
        KindRow(r.kind, r.what_happens, r.tasks, r.should_end, intended[r.kind]) for r in ranked
    ]


def _step(view: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in view["steps"] if step["name"] == name)
