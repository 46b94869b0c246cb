"""Failed steps grouped by cause: what the failures view (``F``) and ``tasker failures`` show.

Pure: ``group_failures(rows)`` takes ``Store.failed_steps`` rows and groups them by template,
step, error class and error code. A failure is *outstanding* until its step succeeds, is
resolved (or reset: the retry is the operator's answer) or its task is given up or cancelled;
the others are *handled* and shown only when asked for.

A group's id is a short hash of its key, stable across reads, so a command line can name it
(``tasker failures retry 3f2a9c1d``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.attempt_history import ERROR_CLASS
from engine.states import TERMINAL_TASK_STATES, StepState

_SETTLED_STEPS = frozenset({StepState.COMPLETE, StepState.RESOLVED_MANUALLY, StepState.CANCELLED})
GROUP_ID_LENGTH = 8


def error_class(error_type: str | None) -> str:
    """PERMANENT, RETRYABLE, TIMEOUT or UNCLASSIFIED (as the attempt history names them)."""
    return ERROR_CLASS.get(error_type or "", "UNCLASSIFIED")


def is_outstanding(row: Mapping[str, Any]) -> bool:
    """The step still carries its error, the step is unfinished and its task still open."""
    return (
        bool(row.get("has_error"))
        and row.get("step_state") not in _SETTLED_STEPS
        and row.get("task_status") not in TERMINAL_TASK_STATES
    )


@dataclass(frozen=True)
class FailedTask:
    """One task's failed step in a group."""

    task_uuid: str
    task_status: str
    step_state: str
    attempts: int
    max_attempts: int
    failed_at: int | None
    retryable: bool
    outstanding: bool

    @property
    def exhausted(self) -> bool:
        """Every attempt the step was allowed has been used."""
        return self.attempts >= self.max_attempts

    def to_json(self) -> dict[str, Any]:
        return {
            "task_uuid": self.task_uuid,
            "task_status": self.task_status,
            "step_state": self.step_state,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "exhausted": self.exhausted,
            "retryable": self.retryable,
            "failed_at": self.failed_at,
            "outstanding": self.outstanding,
        }


_TASK_FIELDS = (
    "task_uuid", "task_status", "step_state", "attempts", "max_attempts", "failed_at",
    "retryable", "outstanding",
)  # fmt: skip


@dataclass(frozen=True)
class FailureGroup:
    """The tasks whose step failed with one error class and code."""

    namespace: str
    template: str
    step: str
    error_class: str
    error_code: str
    tasks: tuple[FailedTask, ...]
    sample_message: str = ""
    sample_task: str = ""
    group_id: str = field(default="")

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.namespace, self.template, self.step, self.error_class, self.error_code)

    @property
    def count(self) -> int:
        return len(self.tasks)

    @property
    def outstanding(self) -> int:
        return sum(t.outstanding for t in self.tasks)

    @property
    def retryable(self) -> str:
        """retryable, permanent, or mixed (some of each)."""
        kinds = {t.retryable for t in self.tasks}
        return "mixed" if len(kinds) > 1 else "retryable" if True in kinds else "permanent"

    @property
    def exhausted(self) -> int:
        return sum(t.exhausted for t in self.tasks)

    def in_state(self, state: str) -> int:
        return sum(t.step_state == state for t in self.tasks)

    @property
    def oldest_at(self) -> int | None:
        return min((t.failed_at for t in self.tasks if t.failed_at is not None), default=None)

    @property
    def newest_at(self) -> int | None:
        return max((t.failed_at for t in self.tasks if t.failed_at is not None), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group_id,
            "namespace": self.namespace,
            "template": self.template,
            "step": self.step,
            "error_class": self.error_class,
            "error_code": self.error_code,
            "count": self.count,
            "outstanding": self.outstanding,
            "retryable": self.retryable,
            "exhausted": self.exhausted,
            "waiting_for_retry": self.in_state(StepState.WAITING_FOR_RETRY),
            "running": self.in_state(StepState.IN_PROGRESS),
            "oldest_at": self.oldest_at,
            "newest_at": self.newest_at,
            "sample_message": self.sample_message,
            "sample_task": self.sample_task,
            "tasks": [t.to_json() for t in self.tasks],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FailureGroup:
        """The group ``to_json`` gave (as the engine or the REST API sends it)."""
        tasks = tuple(FailedTask(**{k: t[k] for k in _TASK_FIELDS}) for t in data["tasks"])
        return cls(
            data["namespace"], data["template"], data["step"], data["error_class"],
            data["error_code"], tasks, data["sample_message"], data["sample_task"], data["group"],
        )  # fmt: skip


def group_id(key: Sequence[str]) -> str:
    digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()
    return digest[:GROUP_ID_LENGTH]


def _failed_task(row: Mapping[str, Any]) -> FailedTask:
    error = row.get("error") or {}
    retryable = error.get("retryable")
    if retryable is None:
        retryable = error_class(error.get("error_type")) != "PERMANENT"
    return FailedTask(
        task_uuid=str(row["task_uuid"]),
        task_status=str(row["task_status"]),
        step_state=str(row["step_state"]),
        attempts=int(row.get("attempts") or 0),
        max_attempts=int(row.get("max_attempts") or 0),
        failed_at=row.get("failed_at"),
        retryable=bool(retryable),
        outstanding=is_outstanding(row),
    )


def group_failures(
    rows: Iterable[Mapping[str, Any]], include_handled: bool = False
) -> list[FailureGroup]:
    """The rows' failures by (namespace, template, step, error class, error code), the group
    with the most tasks first; each group's tasks newest failure first, and its sample the
    newest failure's message (raw: mask it with its task's secrets before showing it)."""
    buckets: dict[tuple[str, str, str, str, str], list[tuple[FailedTask, str]]] = {}
    for row in rows:
        task = _failed_task(row)
        if not (task.outstanding or include_handled):
            continue
        error = row.get("error") or {}
        key = (
            str(row["namespace"]),
            str(row["template"]),
            str(row["step_name"]),
            error_class(error.get("error_type")),
            str(error.get("error_code") or error.get("error_type") or ""),
        )
        buckets.setdefault(key, []).append((task, str(error.get("message") or "")))
    groups = []
    for key, members in buckets.items():
        members.sort(key=lambda m: (-(m[0].failed_at or 0), m[0].task_uuid))
        newest, message = members[0]
        groups.append(
            FailureGroup(
                *key,
                tasks=tuple(t for t, _ in members),
                sample_message=message,
                sample_task=newest.task_uuid,
                group_id=group_id(key),
            )
        )
    groups.sort(key=lambda g: (-g.outstanding, -g.count, -(g.newest_at or 0), g.key))
    return groups


class Target(NamedTuple):
    """One failed step to act on (a plain pair: JSON carries it as ``[task_uuid, step]``)."""

    task_uuid: str
    step: str


def select_targets(
    groups: Sequence[FailureGroup],
    group_ids: Sequence[str] = (),
    template: str | None = None,
    step: str | None = None,
    code: str | None = None,
    tasks: Sequence[str] = (),
) -> list[Target]:
    """The outstanding failed steps the selection names: groups by id (or an unambiguous
    start of one), narrowed by template (``name`` or ``namespace.name``), step, error code
    and task uuids (or their starts). Raises ValueError naming an unknown group."""
    chosen = list(groups)
    if group_ids:
        chosen = [_group_named(groups, wanted) for wanted in group_ids]
    targets: list[Target] = []
    seen: set[tuple[str, str]] = set()
    for group in chosen:
        if template and template not in (group.template, f"{group.namespace}.{group.template}"):
            continue
        if (step and step != group.step) or (code and code != group.error_code):
            continue
        for task in group.tasks:
            if not task.outstanding or (tasks and not _named(task.task_uuid, tasks)):
                continue
            if (task.task_uuid, group.step) not in seen:
                seen.add((task.task_uuid, group.step))
                targets.append(Target(task.task_uuid, group.step))
    return targets


def _named(task_uuid: str, names: Sequence[str]) -> bool:
    return any(task_uuid.startswith(n.lower()) or task_uuid.endswith(n.lower()) for n in names)


def _group_named(groups: Sequence[FailureGroup], wanted: str) -> FailureGroup:
    found = [g for g in groups if g.group_id.startswith(wanted.lower())] if wanted else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(
            f"no group of outstanding failures is '{wanted}'; list them with 'tasker failures'"
        )
    raise ValueError(f"'{wanted}' starts {len(found)} group ids; give more characters")
