"""Tasker's analytics (``PerformanceMetrics``, ``BottleneckAnalysis``) from the tasks' own views
(pure): what the rows record, nothing estimated.

A step's duration is its last attempt's run, from its claim to its end (``started_at`` to
``finished_at``): what a slow handler costs. A task's is from its creation to its end. Tasker
computes the same aggregates in SQL over the last 24 hours; here the caller passes the tasks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from engine.states import TERMINAL_TASK_STATES, StepState, TaskState

FINAL_STEP_STATES = (StepState.COMPLETE, StepState.ERROR)
SLOW_STEP_S = 30.0  # Tasker's rule: a step averaging more than this gets a recommendation
HIGH_ERROR_RATE = 0.2


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def step_seconds(step: dict[str, Any]) -> float | None:
    if step["started_at"] is None or step["finished_at"] is None:
        return None
    took: int = step["finished_at"] - step["started_at"]
    return max(0, took) / 1000


def task_seconds(task: dict[str, Any]) -> float | None:
    if task["completed_at"] is None:
        return None
    took: int = task["completed_at"] - task["created_at"]
    return max(0, took) / 1000


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def _last(values: Iterable[int | None]) -> str | None:
    known = [v for v in values if v is not None]
    return _iso(max(known)) if known else None


def slow_steps(tasks: list[dict[str, Any]], min_executions: int) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        for step in task["steps"]:
            if step["current_state"] in FINAL_STEP_STATES and step_seconds(step) is not None:
                key = (task["namespace"], task["name"], task["version"], step["template_step"])
                groups[key].append(step)
    out = []
    for (namespace, name, version, step_name), steps in groups.items():
        if len(steps) < min_executions:
            continue
        took = [step_seconds(s) or 0.0 for s in steps]
        errors = sum(1 for s in steps if s["current_state"] == StepState.ERROR)
        out.append(
            {
                "namespace_name": namespace,
                "task_name": name,
                "version": version,
                "step_name": step_name,
                "average_duration_seconds": _mean(took),
                "max_duration_seconds": max(took),
                "execution_count": len(steps),
                "error_count": errors,
                "error_rate": round(errors / len(steps), 4),
                "last_executed_at": _last(s["finished_at"] for s in steps),
            }
        )
    return sorted(out, key=lambda s: -s["average_duration_seconds"])


def slow_tasks(tasks: list[dict[str, Any]], min_executions: int) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        if task_seconds(task) is not None:
            groups[(task["namespace"], task["name"], task["version"])].append(task)
    out = []
    for (namespace, name, version), done in groups.items():
        if len(done) < min_executions:
            continue
        took = [task_seconds(t) or 0.0 for t in done]
        errors = sum(1 for t in done if t["status"] == TaskState.ERROR)
        out.append(
            {
                "namespace_name": namespace,
                "task_name": name,
                "version": version,
                "average_duration_seconds": _mean(took),
                "max_duration_seconds": max(took),
                "execution_count": len(done),
                "average_step_count": _mean([float(t["total_steps"]) for t in done]),
                "error_count": errors,
                "error_rate": round(errors / len(done), 4),
                "last_executed_at": _last(t["completed_at"] for t in done),
            }
        )
    return sorted(out, key=lambda t: -t["average_duration_seconds"])


def health_counts(task_counts: dict[str, int], tasks: list[dict[str, Any]]) -> dict[str, int]:
    """Tasker's ``SystemHealthCounts``: tasks per state (``task_counts``, every task) and steps
    per state (of ``tasks``, which must be every task); states this engine never uses are 0."""
    counts = {f"{state}_tasks": task_counts.get(state, 0) for state in TaskState}
    for name in ("initializing", "enqueuing_steps", "evaluating_results"):
        counts[f"{name}_tasks"] = 0
    counts["total_tasks"] = sum(task_counts.values())
    steps = [s["current_state"] for t in tasks for s in t["steps"]]
    for state in StepState:
        counts[f"{state}_steps"] = steps.count(state)
    for name in ("enqueued", "enqueued_for_orchestration", "enqueued_as_error_for_orchestration"):
        counts[f"{name}_steps"] = 0
    counts["total_steps"] = len(steps)
    return counts


def recommendations(steps: list[dict[str, Any]]) -> list[str]:
    advice = []
    worst = max(steps, key=lambda s: s["error_rate"], default=None)
    if worst is not None and worst["error_rate"] > HIGH_ERROR_RATE:
        advice.append(
            f"High error rate detected ({worst['error_rate']:.0%}) in step "
            f"'{worst['namespace_name']}/{worst['task_name']}@{worst['version']}::"
            f"{worst['step_name']}': look at its errors before retrying"
        )
    slowest = steps[0] if steps else None
    if slowest is not None and slowest["average_duration_seconds"] > SLOW_STEP_S:
        advice.append(
            f"Step '{slowest['namespace_name']}/{slowest['task_name']}@{slowest['version']}::"
            f"{slowest['step_name']}' averages {slowest['average_duration_seconds']:.1f}s"
        )
    return advice


def performance(tasks: list[dict[str, Any]], since_ms: int, now_ms: int) -> dict[str, Any]:
    """``PerformanceMetrics`` over the tasks created since ``since_ms``."""
    recent = [t for t in tasks if t["created_at"] >= since_ms]
    hours = max((now_ms - since_ms) / 3_600_000, 1 / 60)
    done = sum(1 for t in recent if t["status"] == TaskState.COMPLETE)
    failed = sum(1 for t in recent if t["status"] == TaskState.ERROR)
    steps = [s for t in recent for s in t["steps"] if s["current_state"] == StepState.COMPLETE]
    last_hour = [t for t in recent if (t["completed_at"] or 0) >= now_ms - 3_600_000]
    hour_done = sum(1 for t in last_hour if t["status"] == TaskState.COMPLETE)
    hour_failed = sum(1 for t in last_hour if t["status"] == TaskState.ERROR)
    total = len(recent)
    return {
        "total_tasks": total,
        "active_tasks": sum(1 for t in recent if t["status"] not in TERMINAL_TASK_STATES),
        "completed_tasks": done,
        "failed_tasks": failed,
        "completion_rate": round(done / total * 100, 2) if total else 0.0,
        "error_rate": round(failed / total * 100, 2) if total else 0.0,
        "average_task_duration_seconds": _mean(
            [task_seconds(t) or 0.0 for t in recent if t["status"] == TaskState.COMPLETE]
        ),
        "average_step_duration_seconds": _mean([step_seconds(s) or 0.0 for s in steps]),
        "tasks_per_hour": int(total / hours),
        "steps_per_hour": int(len(steps) / hours),
        "system_health_score": (
            round(hour_done / (hour_done + hour_failed), 4) if hour_done + hour_failed else 1.0
        ),
        "analysis_period_start": _iso(since_ms),
        "calculated_at": _iso(now_ms),
    }
