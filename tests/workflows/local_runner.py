"""Run a shipped template's handlers in process, the way the engine would, for handler tests.

Steps run one at a time in dependency order; each is called through the engine's own
``call_handler`` with a ``StepContext`` carrying the task context, every ancestor's results
and the step's ``handler.initialization``. A retryable failure is attempted again (without
waiting) until ``max_attempts``; a permanent one stops the step, and its dependents stay
``pending``. This is not the engine: no store, no backoff clock. End-to-end runs belong to
the engine's tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine import shipped
from engine.handlers.context import StepContext
from engine.handlers.invoke import call_handler
from engine.handlers.registry import HandlerRegistry
from engine.outcomes import Outcome, StepError

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def load_handlers() -> None:
    shipped.import_shipped_handlers()


def template_dict(namespace: str, name: str) -> dict[str, Any]:
    template: dict[str, Any] = yaml.safe_load((TEMPLATES / namespace / f"{name}.yaml").read_text())
    return template


def error_of(outcome: Outcome) -> StepError:
    """The error of an attempt that failed."""
    assert outcome.error is not None, "the attempt succeeded"
    return outcome.error


@dataclass
class StepRun:
    name: str
    state: str = "pending"  # pending | complete | error
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return len(self.outcomes)

    @property
    def results(self) -> dict[str, Any]:
        assert self.state == "complete", f"{self.name} is {self.state}"
        return self.outcomes[-1].results or {}

    @property
    def error(self) -> StepError:
        """The last attempt's error: the step has run and its last attempt failed."""
        assert self.outcomes, f"{self.name} has not run"
        return error_of(self.outcomes[-1])


@dataclass
class TaskRun:
    task_uuid: str
    steps: dict[str, StepRun]

    @property
    def status(self) -> str:
        states = {step.state for step in self.steps.values()}
        return "complete" if states == {"complete"} else "blocked_by_failures"

    @property
    def failed(self) -> StepRun | None:
        return next((s for s in self.steps.values() if s.state == "error"), None)


def step_context(
    step: dict[str, Any],
    context: dict[str, Any],
    ancestors: dict[str, dict[str, Any]],
    *,
    task_uuid: str,
    retry_count: int = 0,
) -> StepContext:
    return StepContext(
        task_uuid=task_uuid,
        step_uuid=str(uuid.uuid4()),
        step_name=step["name"],
        handler_name=step["handler"]["callable"],
        input_data=context,
        dependency_results={
            name: {"success": True, "result": results, "metadata": {}}
            for name, results in ancestors.items()
        },
        step_config=dict(step["handler"].get("initialization") or {}),
        step_inputs={},
        retry_count=retry_count,
        max_retries=step["retry"]["max_attempts"],
    )


async def run_template(
    namespace: str, name: str, context: dict[str, Any], *, task_uuid: str | None = None
) -> TaskRun:
    load_handlers()
    template = template_dict(namespace, name)
    task_uuid = task_uuid or str(uuid.uuid4())
    steps = {s["name"]: s for s in template["steps"]}
    runs = {s: StepRun(s) for s in steps}
    for step_name in _topological(steps):
        step = steps[step_name]
        if any(runs[d].state != "complete" for d in step["dependencies"]):
            continue
        ancestors = {a: runs[a].results for a in _ancestors(steps, step_name)}
        resolved = HandlerRegistry.instance().resolve_step(
            step["handler"]["callable"], initialization=step["handler"].get("initialization")
        )
        run = runs[step_name]
        for attempt in range(step["retry"]["max_attempts"]):
            ctx = step_context(step, context, ancestors, task_uuid=task_uuid, retry_count=attempt)
            outcome = await call_handler(resolved, ctx)
            run.outcomes.append(outcome)
            if outcome.error is None or not outcome.error.retryable:
                break
        run.state = "complete" if run.outcomes[-1].ok else "error"
    return TaskRun(task_uuid, runs)


def _topological(steps: dict[str, dict[str, Any]]) -> list[str]:
    order: list[str] = []
    while len(order) < len(steps):
        for name, step in steps.items():
            if name not in order and all(d in order for d in step["dependencies"]):
                order.append(name)
    return order


def _ancestors(steps: dict[str, dict[str, Any]], name: str) -> set[str]:
    found: set[str] = set()
    stack = list(steps[name]["dependencies"])
    while stack:
        parent = stack.pop()
        if parent not in found:
            found.add(parent)
            stack.extend(steps[parent]["dependencies"])
    return found
