"""Decision points (tasker-behaviour §9.1), pure: reading a decision step's outcome, checking
the names it routes to, and the steps it creates.

A decision handler's results carry ``decision_point_outcome``: ``{"type": "create_steps",
"step_names": [...]}`` or ``{"type": "no_branches"}`` (plus an optional ``routing_context``
beside it). A decision may name only steps of its own segment (``expansion.segment``); any
other name is a permanent error of the decision step, so nothing half-made is ever created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import expansion
from engine.templates.models import TaskTemplate

OUTCOME_KEY = "decision_point_outcome"
CREATE_STEPS = "create_steps"
NO_BRANCHES = "no_branches"
MAX_STEPS_PER_DECISION = 100  # Tasker's [orchestration.decision_points] max_steps_per_decision
_KINDS = {
    "create_steps": CREATE_STEPS,
    "createsteps": CREATE_STEPS,
    "no_branches": NO_BRANCHES,
    "nobranches": NO_BRANCHES,
}


class InvalidOutcome(ValueError):
    """An outcome the engine refuses; ``str()`` is one line saying what to fix."""


@dataclass(frozen=True)
class DecisionOutcome:
    """The branches a decision chose (none for ``no_branches``)."""

    kind: str
    step_names: tuple[str, ...] = ()


def read_outcome(step_name: str, results: Mapping[str, Any] | None) -> DecisionOutcome:
    """The outcome in a decision step's results, or InvalidOutcome naming what is missing."""
    outcome = (results or {}).get(OUTCOME_KEY)
    if not isinstance(outcome, Mapping):
        raise InvalidOutcome(
            f"decision step '{step_name}' returned no {OUTCOME_KEY}; return "
            "Decision.route([step names]) or Decision.skip(reason) from its handler"
        )
    raw_kind = outcome.get("type", outcome.get("outcome_type", outcome.get("decision_type")))
    kind = _KINDS.get(str(raw_kind).lower()) if raw_kind is not None else None
    if kind is None:
        raise InvalidOutcome(
            f"decision step '{step_name}' returned {OUTCOME_KEY} of type {raw_kind!r}; "
            f"use '{CREATE_STEPS}' or '{NO_BRANCHES}'"
        )
    names = outcome.get("step_names", outcome.get("next_step_names")) or []
    if kind == NO_BRANCHES:
        return DecisionOutcome(NO_BRANCHES)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidOutcome(
            f"decision step '{step_name}' returned step_names {names!r}; give a list of step names"
        )
    if not names:
        return DecisionOutcome(NO_BRANCHES)
    return DecisionOutcome(CREATE_STEPS, tuple(dict.fromkeys(names)))


def check(template: TaskTemplate, decision: str, outcome: DecisionOutcome) -> None:
    """Raise InvalidOutcome unless every name is a step this decision may create."""
    allowed = expansion.segment(template, decision)
    known = {s.name for s in template.steps}
    may = ", ".join(allowed) or "nothing"
    for name in outcome.step_names:
        if name not in known:
            raise InvalidOutcome(
                f"decision '{decision}' named step '{name}', which is not a step of template "
                f"{template.ref}; it may create: {may}"
            )
        if name not in allowed:
            raise InvalidOutcome(
                f"decision '{decision}' named step '{name}', which is not one of its branches; "
                f"it may create: {may}"
            )
    made = expansion.closure(template, outcome.step_names, {decision})
    if len(made) > MAX_STEPS_PER_DECISION:
        raise InvalidOutcome(
            f"decision '{decision}' would create {len(made)} steps, more than "
            f"{MAX_STEPS_PER_DECISION}; route to fewer branches"
        )


def checked_outcome(
    template: TaskTemplate, decision: str, results: Mapping[str, Any] | None
) -> DecisionOutcome:
    outcome = read_outcome(decision, results)
    check(template, decision, outcome)
    return outcome


def expansion_after(
    template: TaskTemplate,
    rows: Sequence[expansion.ExistingStep],
    decision: str,
    results: Mapping[str, Any] | None,
) -> expansion.Expansion:
    """The steps a completed decision creates and the pending steps it re-wires."""
    outcome = checked_outcome(template, decision, results)
    return expansion.expand(template, rows, roots=outcome.step_names)
