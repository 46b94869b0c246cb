"""An in-memory stand-in for engine.api.Engine, for UI tests until they run on SQLite."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from engine.clock import FakeClock

START_MS = 1_767_225_600_000


@dataclass
class FakeStepSpec:
    name: str
    dependencies: list[str]


@dataclass
class FakeTemplate:
    name: str
    namespace_name: str
    version: str
    steps: list[FakeStepSpec]
    input_schema: dict[str, Any] | None = None


@dataclass
class FakeCreated:
    task: dict[str, Any]
    created: bool


class Refused(Exception):
    """What the real engine raises as EngineError."""


@dataclass
class FakeEngine:
    clock: FakeClock = field(default_factory=lambda: FakeClock(START_MS))
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    seq: int = 0
    changed: dict[str, int] = field(default_factory=dict)
    template_list: list[FakeTemplate] = field(default_factory=list)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def templates(self) -> list[FakeTemplate]:
        return self.template_list

    def touch(self, uuid: str) -> None:
        self.seq += 1
        self.changed[uuid] = self.seq
        task = self.tasks[uuid]
        steps = task["steps"]
        task["completed_steps"] = sum(s["current_state"] == "complete" for s in steps)
        task["failed_steps"] = sum(s["current_state"] == "error" for s in steps)
        task["updated_at"] = self.clock.now_ms()

    def add_task(
        self, template: FakeTemplate, states: dict[str, str], status: str, **extra: Any
    ) -> str:
        n = next(self._ids)
        uuid = f"{n:08x}-0000-7000-8000-{n:012x}"
        steps = [
            {
                "name": s.name,
                "current_state": states.get(s.name, "pending"),
                "attempts": 0,
                "max_attempts": 3,
                "retryable": True,
                "retry_eligible": True,
                "next_retry_at": None,
                "dependencies": list(s.dependencies),
                "results": None,
                "error": None,
                "retry": {"backoff": "exponential", "backoff_base_ms": 100, "max_backoff_ms": 5000},
                "backoff_rule": None,
                "started_at": None,
                "finished_at": None,
            }
            for s in template.steps
            if states.get(s.name) != "not_created"
        ]
        self.tasks[uuid] = {
            "task_uuid": uuid,
            "name": template.name,
            "namespace": template.namespace_name,
            "version": template.version,
            "status": status,
            "total_steps": len(steps),
            "completed_steps": 0,
            "failed_steps": 0,
            "initiator": "tests",
            "created_at": self.clock.now_ms() + n,
            "updated_at": self.clock.now_ms(),
            "context": extra.pop("context", {}),
            "steps": steps,
            **extra,
        }
        self.touch(uuid)
        return uuid

    def step(self, uuid: str, name: str) -> dict[str, Any]:
        return next(s for s in self.tasks[uuid]["steps"] if s["name"] == name)

    async def change_cursor(self) -> int:
        return self.seq

    async def changes_since(self, cursor: int) -> tuple[int, list[str]]:
        changed = [u for u, s in sorted(self.changed.items(), key=lambda i: i[1]) if s > cursor]
        return self.seq, changed

    async def list_tasks(self, namespace=None, status=None, limit=50, offset=0):
        rows = sorted(self.tasks.values(), key=lambda t: -t["created_at"])
        return [{k: v for k, v in t.items() if k not in ("steps", "context")} for t in rows][:limit]

    async def get_task(self, uuid: str) -> dict[str, Any]:
        matches = [u for u in self.tasks if u.startswith(uuid)]
        if len(matches) != 1:
            raise Refused(f"no task {uuid}")
        return self.tasks[matches[0]]

    async def task_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.tasks.values():
            counts[t["status"]] = counts.get(t["status"], 0) + 1
        return counts

    async def step_audit(self, uuid: str, step: str) -> list[dict[str, Any]]:
        return self.audit.get((uuid, step), [])

    def _move(self, uuid: str, name: str, to: str, reason: str, by: str | None) -> None:
        step = self.step(uuid, name)
        self.audit.setdefault((uuid, name), []).append(
            {
                "from_state": step["current_state"],
                "to_state": to,
                "at": self.clock.now_ms(),
                "by": by or "operator",
                "reason": reason,
                "metadata": None,
            }
        )
        step["current_state"] = to
        self.touch(uuid)

    async def reset_step(self, task: str, step: str, reason: str, by: str | None = None):
        self.calls.append(("reset_step", task, step, reason))
        if self.step(task, step)["current_state"] != "error":
            raise Refused(
                f"step {step} is {self.step(task, step)['current_state']}; only a step in error can be reset"
            )
        self.step(task, step)["error"] = None
        self._move(task, step, "pending", reason, by)
        self.tasks[task]["status"] = "steps_in_process"
        self.touch(task)

    async def resolve_step(self, task: str, step: str, reason: str, by: str | None = None):
        self.calls.append(("resolve_step", task, step, reason))
        self._move(task, step, "resolved_manually", reason, by)

    async def complete_step(self, task, step, results, reason, by=None):
        self.calls.append(("complete_step", task, step, results, reason))
        self.step(task, step)["results"] = results
        self._move(task, step, "complete", reason, by)

    async def cancel_task(self, task, reason=None, by=None):
        self.calls.append(("cancel_task", task, reason))
        self.tasks[task]["status"] = "cancelled"
        self.touch(task)

    async def give_up(self, task, reason=None, by=None):
        self.calls.append(("give_up", task, reason))
        self.tasks[task]["status"] = "error"
        self.touch(task)

    async def create_task(
        self,
        name,
        namespace,
        context=None,
        version=None,
        initiator=None,
        source_system=None,
        reason=None,
        idempotency_key=None,
    ):
        self.calls.append(("create_task", namespace, name, context, idempotency_key))
        for t in self.tasks.values():
            if t.get("idempotency_key") and t["idempotency_key"] == idempotency_key:
                return FakeCreated(t, False)
        template = next(t for t in self.template_list if t.name == name)
        uuid = self.add_task(
            template, {}, "pending", context=context or {}, idempotency_key=idempotency_key
        )
        return FakeCreated(self.tasks[uuid], True)
