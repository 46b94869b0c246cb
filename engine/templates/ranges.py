"""Warnings for values outside Tasker's validator ranges (§1.1–§1.9); Tasker's own fixtures
break several of them, so they warn instead of failing."""

from __future__ import annotations

import re
from typing import Any

from engine.templates.findings import Finding, step_label
from engine.templates.models import RetryConfiguration, TaskTemplate

NAMESPACE_MAX = 29  # Tasker's queue names are namespace + suffix, at most 47 characters
NAMESPACE_CHARS = re.compile(r"[A-Za-z0-9_]+")
RETRY_RANGES = {
    "max_attempts": (1, 100),
    "backoff_base_ms": (100, 3_600_000),
    "max_backoff_ms": (1000, 3_600_000),
}
BATCH_RANGES = {"batch_size": (1, 100_000), "parallelism": (1, 1000)}
LIFECYCLE_RANGES = {
    "max_duration_minutes": (1, 43_200),
    "max_waiting_for_dependencies_minutes": (1, 10_080),
    "max_waiting_for_retry_minutes": (1, 10_080),
    "max_steps_in_process_minutes": (1, 10_080),
}
TIMEOUT_RANGE = (1, 3600)
LENGTHS = {"name": 255, "version": 50}
CALLABLE_MAX = 500


def range_warnings(template: TaskTemplate) -> list[Finding]:
    found = _identity(template)
    if template.lifecycle is not None:
        found += _ranges(("lifecycle",), "lifecycle.", template.lifecycle, LIFECYCLE_RANGES)
    where: tuple[str | int, ...]
    for i, step in enumerate(template.steps):
        where, label = ("steps", i), step_label(step.name, i)
        if len(step.handler.callable) > CALLABLE_MAX:
            found.append(
                Finding(
                    (*where, "handler", "callable"),
                    f"{label}: handler.callable is longer than Tasker's {CALLABLE_MAX} characters",
                )
            )
        found += _step_values(where, label, step.retry, step.timeout_seconds)
        if step.batch_config is not None:
            found += _ranges(
                (*where, "batch_config"), f"{label}: batch_config.", step.batch_config, BATCH_RANGES
            )
    for env, override in template.environments.items():
        for j, change in enumerate(override.steps):
            where = ("environments", env, "steps", j)
            label = f"environments.{env} override of '{change.name}'"
            found += _step_values(where, label, change.retry, change.timeout_seconds)
    return found


def _identity(template: TaskTemplate) -> list[Finding]:
    found = []
    namespace = template.namespace_name
    if len(namespace) > NAMESPACE_MAX:
        found.append(
            Finding(
                ("namespace_name",),
                f"namespace_name '{namespace}' has {len(namespace)} characters, more than "
                f"Tasker's {NAMESPACE_MAX}; shorten it",
            )
        )
    if namespace and not NAMESPACE_CHARS.fullmatch(namespace):
        found.append(
            Finding(
                ("namespace_name",),
                f"namespace_name '{namespace}' has characters other than letters, digits and _",
            )
        )
    for field, limit in LENGTHS.items():
        if len(getattr(template, field)) > limit:
            found.append(
                Finding((field,), f"{field} is longer than Tasker's {limit} characters; shorten it")
            )
    return found


def _step_values(
    where: tuple[Any, ...], label: str, retry: RetryConfiguration | None, timeout: int | None
) -> list[Finding]:
    found = []
    if retry is not None:
        found += _ranges((*where, "retry"), f"{label}: retry.", retry, RETRY_RANGES)
        base, cap = retry.backoff_base_ms, retry.max_backoff_ms
        if base is not None and cap is not None and cap < base:
            found.append(
                Finding(
                    (*where, "retry", "max_backoff_ms"),
                    f"{label}: retry.max_backoff_ms {cap} is below backoff_base_ms {base}, "
                    f"so every retry waits {cap} ms",
                )
            )
    low, high = TIMEOUT_RANGE
    if timeout is not None and not low <= timeout <= high:
        found.append(
            Finding(
                (*where, "timeout_seconds"),
                f"{label}: timeout_seconds {timeout} is outside Tasker's range {low}–{high}",
            )
        )
    return found


def _ranges(
    where: tuple[Any, ...], prefix: str, obj: Any, ranges: dict[str, tuple[int, int]]
) -> list[Finding]:
    found = []
    for field, (low, high) in ranges.items():
        value = getattr(obj, field)
        if value is None or low <= value <= high:
            continue
        note = ""
        if field == "max_attempts" and value < 1:
            note = "; the first run still happens, with no retry"
        found.append(
            Finding(
                (*where, field),
                f"{prefix}{field} {value} is outside Tasker's range {low}–{high}{note}",
            )
        )
    return found
