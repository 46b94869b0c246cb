"""Which operator action applies to the selected task and step, why not when it does not, and
what an acted-on step's next attempt came to (pure: no widgets, no engine)."""

from __future__ import annotations

from typing import Any

OPEN_TASK = ("pending", "steps_in_process", "waiting_for_dependencies", "waiting_for_retry")
STEP_ACTION_STATES = {
    "retry_step": ("error", "waiting_for_retry"),  # a waiting step: its retry runs now
    "resolve_step": ("error", "waiting_for_retry", "pending"),
    "complete_step": ("error", "waiting_for_retry", "pending"),
}
STEP_VERBS = {"retry_step": "retried", "resolve_step": "resolved", "complete_step": "completed"}
STEP_STATE_WHY = {
    "complete": "it is complete",
    "resolved_manually": "it was resolved manually",
    "cancelled": "it was cancelled",
    "in_progress": "it is running now (x cancels the task)",
    "pending": "it has not failed: it is pending, waiting for its dependencies or a worker",
    "not_created": "it was not created: a decision step did not choose it",
}
# What an attempt ended in: the states a step leaves in_progress for.
ATTEMPT_ENDS = {"complete", "error", "waiting_for_retry", "cancelled"}
OUTCOME_LOOK = {"complete": "✓", "error": "✗", "waiting_for_retry": "↻", "cancelled": "⊘"}


def why_not(action: str, task: dict[str, Any] | None, step: dict[str, Any] | None) -> str | None:
    """Why ``action`` does not apply now (one line), or None when it does."""
    if action not in (*STEP_ACTION_STATES, "retry_all", "cancel_task", "give_up", "edit_context"):
        return None
    if task is None:
        return "select a task first (↑/↓ or j/k in the task list)"
    status = str(task["status"])
    if action in STEP_ACTION_STATES:
        if step is None:
            return "select one of the task's steps first (enter, then ↑/↓)"
        state = str(step.get("current_state", "not_created"))
        if state in STEP_ACTION_STATES[action]:
            return None
        reason = STEP_STATE_WHY.get(state, f"it is {state}")
        return f"{step['name']} cannot be {STEP_VERBS[action]}: {reason}"
    if action == "retry_all":
        if any(s.get("current_state") == "error" for s in task.get("steps", [])):
            return None
        return f"no step of this task has failed ({status}): nothing to retry"
    if action == "edit_context":
        if status in (*OPEN_TASK, "blocked_by_failures"):
            return None
        return f"the task is finished ({status}): its context can no longer change"
    if action == "cancel_task":
        if status in (*OPEN_TASK, "blocked_by_failures"):
            return None
        return f"the task is already finished ({status}): there is nothing left to cancel"
    if status == "blocked_by_failures":
        return None
    return f"give up applies to a task blocked by failures; this one is {status}"


def error_code(step: dict[str, Any]) -> str:
    error = step.get("error") or {}
    return str(error.get("error_code") or error.get("error_type") or "")


def attempt_outcome(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """``process_payment: attempt 2 → ✗ PAYMENT_DECLINED again`` once the step's next attempt
    after an action (``before``: the step as it was when acted on) has ended, else None."""
    ran = int(after.get("attempt") or 0)
    state = str(after.get("current_state"))
    if ran <= int(before.get("attempt") or 0) or state not in ATTEMPT_ENDS:
        return None
    text = f"{after['name']}: attempt {ran} → {OUTCOME_LOOK[state]} "
    code = error_code(after) if state in ("error", "waiting_for_retry") else ""
    if not code:
        return text + state
    text += code + (" again" if code == error_code(before) else "")
    return text + (", retry waiting" if state == "waiting_for_retry" else "")
