"""Where attempts meet decision and batchable steps (pure).

The runner checks a creator's outcome before it is stored (``checked_outcome``: a wrong name is
a permanent error of that step, so the store never half-creates a branch); the store asks
``expansion_after`` which rows a finished creator adds, inside the transaction that finishes it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from engine import batches, decisions, expansion
from engine.decisions import InvalidOutcome
from engine.ids import short_id
from engine.outcomes import ErrorType, Outcome, StepError
from engine.states import StepState
from engine.templates.models import StepDefinition, StepType, TaskTemplate

log = logging.getLogger("tasker.engine")

ERROR_CODES = {
    StepType.DECISION: "invalid_decision",
    StepType.BATCHABLE: "invalid_batch_outcome",
}


@functools.lru_cache(maxsize=256)
def parsed_template(template_id: str, definition: str) -> TaskTemplate:
    """A stored template definition, parsed once per template id."""
    return TaskTemplate.model_validate_json(definition)


def template_or_none(template_id: str, definition: str) -> TaskTemplate | None:
    """The stored template, or None when its definition is not one (nothing to expand)."""
    try:
        return parsed_template(template_id, definition)
    except ValueError:  # pydantic's ValidationError, or JSON that is not a template
        log.warning("template %s is not a valid definition; no steps are created", template_id[:12])
        return None


def has_outcome(results: Mapping[str, Any] | None) -> bool:
    """Cheap test for the store's hot path: could these results create steps?"""
    return bool(results) and (
        decisions.OUTCOME_KEY in results or batches.OUTCOME_KEY in results  # type: ignore[operator]
    )


def checked_outcome(template: TaskTemplate, step: StepDefinition, outcome: Outcome) -> Outcome:
    """The attempt's outcome, or a permanent failure when a creator's outcome is unusable."""
    if not outcome.ok or step.type not in expansion.CREATORS:
        return outcome
    try:
        if step.type is StepType.DECISION:
            decisions.checked_outcome(template, step.name, outcome.results)
        else:
            batches.checked_outcome(template, step.name, outcome.results)
    except InvalidOutcome as exc:
        return Outcome.failure(
            StepError(
                error_type=ErrorType.PERMANENT_ERROR,
                message=str(exc),
                retryable=False,
                error_code=ERROR_CODES[step.type],
                metadata={"results": outcome.results},
            )
        )
    return outcome


def expansion_after(
    template: TaskTemplate,
    rows: Sequence[expansion.ExistingStep],
    finished: str,
    results: Mapping[str, Any] | None,
) -> expansion.Expansion:
    """What the task gains when step ``finished`` (already in its final state in ``rows``)
    stops being able to create: its outcome's steps, and re-wired pending steps.

    Raises InvalidOutcome for an outcome that names what it may not (operator input)."""
    row = next((r for r in rows if r.name == finished), None)
    types = expansion.step_types(template)
    if row is None or types.get(row.template_step) not in expansion.CREATORS:
        return expansion.Expansion()
    if row.state is StepState.COMPLETE and has_outcome(results):
        if types[row.template_step] is StepType.DECISION:
            return decisions.expansion_after(template, rows, finished, results)
        return batches.expansion_after(template, rows, finished, results)
    return expansion.expand(template, rows)  # closed without an outcome: re-wire only


def expansion_or_rewire(
    template: TaskTemplate,
    rows: Sequence[expansion.ExistingStep],
    finished: str,
    results: Mapping[str, Any] | None,
    *,
    strict: bool,
    task_uuid: str,
) -> expansion.Expansion:
    """``expansion_after`` as a store applies it: an unusable outcome raises InvalidOutcome
    when ``strict`` (operator input); otherwise it creates nothing (the runner already
    refused it) and the task's pending steps are only re-wired."""
    try:
        return expansion_after(template, rows, finished, results)
    except InvalidOutcome:
        if strict:
            raise
        log.warning("step %s of task %s: outcome ignored", finished, short_id(task_uuid))
        return expansion_after(template, rows, finished, None)
