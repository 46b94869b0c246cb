"""What a bulk action on failed steps will do, said before it is done.

Pure: ``preview(action, targets, tasks)`` takes the action (retry, give_up, resolve), the failed
steps chosen (``engine.failures.Target``) and those tasks as ``task get`` shows them, and
counts what will run again, what is running now (and will be skipped), what no longer needs
the action (skipped too), and the dependents that will run after it (or, for give up, will
not run). Its ``text`` is one line: "retry process_payment in 14 tasks; 0 running; 14
dependents will run after it".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.failures import Target
from engine.states import StepState

ACTIONS = ("retry", "give_up", "resolve")
FAILED = frozenset({StepState.ERROR, StepState.WAITING_FOR_RETRY})
UNFINISHED = frozenset({StepState.PENDING, StepState.ERROR, StepState.WAITING_FOR_RETRY})
BLOCKED = "blocked_by_failures"


@dataclass(frozen=True)
class Preview:
    action: str
    steps: tuple[str, ...]  # the failed steps' names, in first-seen order
    tasks: int  # tasks the action will change
    acting: int  # failed steps it will act on (retry, resolve) or tasks it will close
    running: int  # chosen steps running now: skipped
    handled: int  # chosen steps (or tasks) that no longer need it: skipped
    dependents: int  # unfinished steps downstream of the acted-on ones

    @property
    def text(self) -> str:
        names = ", ".join(self.steps) or "no step"
        tasks = _plural(self.tasks, "task")
        skipped = f"; {self.handled} no longer failed" if self.handled else ""
        if self.action == "give_up":
            skipped = f"; {self.handled} not blocked (skipped)" if self.handled else ""
            return (
                f"give up {tasks} ({names} failed); {self.running} running{skipped}; "
                f"{_plural(self.dependents, 'dependent')} will not run"
            )
        verb = "retry" if self.action == "retry" else "resolve"
        after = "after it" if len(self.steps) < 2 else "after them"
        return (
            f"{verb} {names} in {tasks}; {self.running} running{skipped}; "
            f"{_plural(self.dependents, 'dependent')} will run {after}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "steps": list(self.steps),
            "tasks": self.tasks,
            "acting": self.acting,
            "running": self.running,
            "handled": self.handled,
            "dependents": self.dependents,
            "text": self.text,
        }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def downstream(steps: Sequence[Mapping[str, Any]], names: Iterable[str]) -> set[str]:
    """The names of the steps that depend on any of ``names``, directly or through others."""
    children: dict[str, list[str]] = {}
    for step in steps:
        for parent in step.get("dependencies") or ():
            children.setdefault(parent, []).append(step["name"])
    found: set[str] = set()
    stack = list(names)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def step_state(task: Mapping[str, Any], name: str) -> str | None:
    return next((s["current_state"] for s in task["steps"] if s["name"] == name), None)


def verdict(action: str, task: Mapping[str, Any] | None, step: str) -> str:
    """What the action will do to this failed step: act, running (skipped) or handled
    (skipped: it no longer needs the action, or its task is gone)."""
    state = step_state(task, step) if task is not None else None
    if state == StepState.IN_PROGRESS:
        return "running"
    if state not in FAILED:
        return "handled"
    if action == "give_up" and task is not None and task.get("status") != BLOCKED:
        return "handled"  # only a task blocked by failures can be given up
    return "act"


def preview(
    action: str, targets: Sequence[Target], tasks: Mapping[str, Mapping[str, Any]]
) -> Preview:
    if action not in ACTIONS:
        raise ValueError(f"unknown action '{action}'; use one of {', '.join(ACTIONS)}")
    names: dict[str, None] = {}
    acted: dict[str, list[str]] = {}
    running = handled = 0
    for target in targets:
        names.setdefault(target.step)
        outcome = verdict(action, tasks.get(target.task_uuid), target.step)
        running += outcome == "running"
        handled += outcome == "handled"
        if outcome == "act":
            acted.setdefault(target.task_uuid, []).append(target.step)
    dependents = 0
    for task_uuid, steps in acted.items():
        task_steps = tasks[task_uuid]["steps"]
        unfinished = {s["name"] for s in task_steps if s["current_state"] in UNFINISHED}
        dependents += len((downstream(task_steps, steps) & unfinished) - set(steps))
    acting = len(acted) if action == "give_up" else sum(len(s) for s in acted.values())
    return Preview(action, tuple(names), len(acted), acting, running, handled, dependents)
