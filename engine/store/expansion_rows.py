"""What a store writes when a decision or batchable step stops creating, whatever the database:
the step rows to insert, their first audit rows, dependency edges, and re-wired pending steps.

Pure: rows are any mappings of column names, as in ``engine.store.moves``; the plan comes from
``engine.dynamic.expansion_after``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine import dynamic, expansion, ids, lifecycle, retry
from engine.states import StepState
from engine.store.moves import dumps
from engine.templates.models import StepType, TaskTemplate

Row = Mapping[str, Any]

# The columns a store reads to plan an expansion.
COLUMNS = "step_uuid, name, template_step, state, dependencies, results, position"


def closes_creator(decision: lifecycle.Decision) -> bool:
    """Cheap test on the hot path: may this completed attempt create steps?"""
    return decision.to_state is StepState.COMPLETE and dynamic.has_outcome(decision.results)


def existing_steps(rows: Iterable[Row]) -> list[expansion.ExistingStep]:
    return [
        expansion.ExistingStep(
            r["name"],
            r["template_step"] or r["name"],
            StepState(r["state"]),
            tuple(json.loads(r["dependencies"])),
        )
        for r in rows
    ]


@dataclass
class ExpansionRows:
    """Everything one expansion writes, ready for either backend."""

    steps: list[dict[str, Any]] = field(default_factory=list)  # full step rows to insert
    audits: list[dict[str, Any]] = field(default_factory=list)  # their first transitions
    rewired: list[dict[str, Any]] = field(default_factory=list)  # {step_uuid, dependencies}
    edges: list[dict[str, str]] = field(default_factory=list)  # {from_step, to_step}

    @property
    def empty(self) -> bool:
        return not self.steps and not self.rewired


def _creator_label(template: TaskTemplate, creator: str) -> str:
    kind = expansion.step_types(template).get(creator)
    return f"{'decision' if kind is StepType.DECISION else 'batchable step'} {creator}"


def writes_after(
    template: TaskTemplate,
    task_uuid: str,
    current: Sequence[Row],
    creator: str,
    results: dict[str, Any] | None,
    now: int,
    by: str,
    *,
    strict: bool,
) -> ExpansionRows:
    """Everything a store writes when ``creator`` (already final in ``current``, the task's
    rows read as ``COLUMNS``) stops creating; see ``dynamic.expansion_or_rewire``."""
    grown = dynamic.expansion_or_rewire(
        template, existing_steps(current), creator, results, strict=strict, task_uuid=task_uuid
    )
    return rows_for(template, task_uuid, current, grown, creator, now, by)


def rows_for(
    template: TaskTemplate,
    task_uuid: str,
    current: Sequence[Row],
    grown: expansion.Expansion,
    creator: str,
    now: int,
    by: str,
) -> ExpansionRows:
    """The writes for ``grown`` in a task whose step rows are ``current``."""
    out = ExpansionRows()
    if grown.empty:
        return out
    uuid_by_name = {r["name"]: r["step_uuid"] for r in current}
    position = max((r["position"] for r in current), default=-1) + 1
    label = _creator_label(template, creator)
    for new in grown.created:
        step = template.step(new.template_step)
        step_uuid = ids.new_uuid(now)
        uuid_by_name[new.name] = step_uuid
        out.steps.append(
            {
                "step_uuid": step_uuid,
                "task_uuid": task_uuid,
                "name": new.name,
                "position": position,
                "handler_callable": step.handler.callable,
                "dependencies": dumps(list(new.dependencies)),
                "state": StepState.PENDING.value,
                "max_attempts": step.retry.max_attempts,
                "retryable": int(step.retry.retryable),
                "retry_policy": dumps(retry.RetryPolicy.from_template(step.retry).to_json()),
                "timeout_ms": step.timeout_ms(),
                "created_at": now,
                "updated_at": now,
                "template_step": new.template_step if new.template_step != new.name else None,
                "inputs": dumps(new.inputs),
                "failure_strategy": new.failure_strategy,
            }
        )
        out.audits.append(
            {
                "task_uuid": task_uuid,
                "step_uuid": step_uuid,
                "step_name": new.name,
                "from_state": None,
                "to_state": StepState.PENDING.value,
                "attempt": 0,
                "at": now,
                "by": by,
                "reason": f"created by {label}",
                "metadata": dumps({"created_by": creator}),
            }
        )
        position += 1
    for new in grown.created:
        out.edges += _edges(new.dependencies, uuid_by_name[new.name], uuid_by_name)
    for name, dependencies in grown.rewired.items():
        step_uuid = uuid_by_name[name]
        out.rewired.append({"step_uuid": step_uuid, "dependencies": dumps(list(dependencies))})
        out.edges += _edges(dependencies, step_uuid, uuid_by_name)
    return out


def _edges(
    dependencies: Iterable[str], to_step: str, uuid_by_name: dict[str, str]
) -> list[dict[str, str]]:
    # A dependency with no row yet (it may still be created) has no edge until it exists.
    return [
        {"from_step": uuid_by_name[d], "to_step": to_step}
        for d in dependencies
        if d in uuid_by_name
    ]


STEP_INSERT_COLUMNS = (
    "step_uuid",
    "task_uuid",
    "name",
    "position",
    "handler_callable",
    "dependencies",
    "state",
    "max_attempts",
    "retryable",
    "retry_policy",
    "timeout_ms",
    "created_at",
    "updated_at",
    "template_step",
    "inputs",
    "failure_strategy",
)
AUDIT_INSERT_COLUMNS = (
    "task_uuid",
    "step_uuid",
    "step_name",
    "from_state",
    "to_state",
    "attempt",
    "at",
    "by",
    "reason",
    "metadata",
)
