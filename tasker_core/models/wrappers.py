"""Read-only views over a ``task_sequence_step`` payload (``tasker_core.models``).

Tasker (like its Ruby worker) hands a handler's plumbing the step's payload as nested dicts;
these wrappers read it with defaults for every missing field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def unwrap_result(envelope: Any) -> Any:
    """An ancestor's results: the ``result`` of its envelope, or the value itself."""
    if isinstance(envelope, dict) and "result" in envelope:
        return envelope["result"]
    return envelope


class DependencyResultsWrapper:
    """Ancestor step name -> its stored envelope; ``get_results`` unwraps ``result``."""

    def __init__(self, results: dict[str, Any]) -> None:
        self._results = results

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DependencyResultsWrapper:
        return cls(_dict(data))

    def get_results(self, step_name: str) -> Any:
        return unwrap_result(self._results.get(step_name))

    def __getitem__(self, step_name: str) -> Any:
        return self._results.get(step_name)

    def __contains__(self, step_name: object) -> bool:
        return step_name in self._results

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def keys(self) -> list[str]:
        return list(self._results)


@dataclass
class WorkflowStepWrapper:
    """The step's row: ids, retry settings and counters, inputs and results."""

    workflow_step_uuid: str = ""
    task_uuid: str = ""
    named_step_uuid: str = ""
    name: str = ""
    retryable: bool = True
    max_attempts: int = 3
    in_process: bool = False
    processed: bool = False
    attempts: int = 0
    backoff_request_seconds: int | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    checkpoint: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> WorkflowStepWrapper:
        row = _dict(data)
        return cls(
            workflow_step_uuid=str(row.get("workflow_step_uuid") or ""),
            task_uuid=str(row.get("task_uuid") or ""),
            named_step_uuid=str(row.get("named_step_uuid") or ""),
            name=str(row.get("name") or ""),
            retryable=bool(row.get("retryable", True)),
            max_attempts=int(row.get("max_attempts") or 3),
            in_process=bool(row.get("in_process", False)),
            processed=bool(row.get("processed", False)),
            attempts=int(row.get("attempts") or 0),
            backoff_request_seconds=row.get("backoff_request_seconds"),
            inputs=_dict(row.get("inputs")),
            results=_dict(row.get("results")),
            checkpoint=row.get("checkpoint") if isinstance(row.get("checkpoint"), dict) else None,
        )


@dataclass
class TaskWrapper:
    """The task: its context and names (nested under ``task`` or flat)."""

    task_uuid: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    namespace_name: str = ""
    task_name: str = ""
    task_version: str = ""
    correlation_id: str | None = None
    parent_correlation_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TaskWrapper:
        outer = _dict(data)
        inner = _dict(outer.get("task")) or outer
        return cls(
            task_uuid=str(inner.get("task_uuid") or ""),
            context=_dict(inner.get("context")),
            namespace_name=str(outer.get("namespace_name") or inner.get("namespace_name") or ""),
            task_name=str(outer.get("task_name") or inner.get("task_name") or ""),
            task_version=str(outer.get("task_version") or inner.get("task_version") or ""),
            correlation_id=inner.get("correlation_id"),
            parent_correlation_id=inner.get("parent_correlation_id"),
        )


@dataclass
class HandlerWrapper:
    """A step definition's ``handler``: its callable, method and initialization."""

    callable: str = ""
    method: str | None = None
    resolver: str | None = None
    initialization: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> HandlerWrapper:
        handler = _dict(data)
        return cls(
            callable=str(handler.get("callable") or ""),
            method=handler.get("method"),
            resolver=handler.get("resolver"),
            initialization=_dict(handler.get("initialization")),
        )


@dataclass
class StepDefinitionWrapper:
    """The template's definition of the step."""

    name: str = ""
    description: str | None = None
    handler: HandlerWrapper = field(default_factory=HandlerWrapper)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> StepDefinitionWrapper:
        definition = _dict(data)
        return cls(
            name=str(definition.get("name") or ""),
            description=definition.get("description"),
            handler=HandlerWrapper.from_dict(definition.get("handler")),
        )


@dataclass
class TaskSequenceStepWrapper:
    """The whole payload: task, step row, ancestors' results, step definition."""

    task: TaskWrapper
    workflow_step: WorkflowStepWrapper
    dependency_results: DependencyResultsWrapper
    step_definition: StepDefinitionWrapper

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TaskSequenceStepWrapper:
        payload = _dict(data)
        return cls(
            task=TaskWrapper.from_dict(payload.get("task")),
            workflow_step=WorkflowStepWrapper.from_dict(payload.get("workflow_step")),
            dependency_results=DependencyResultsWrapper.from_dict(
                payload.get("dependency_results")
            ),
            step_definition=StepDefinitionWrapper.from_dict(payload.get("step_definition")),
        )

    def get_task_field(self, name: str) -> Any:
        return self.task.context.get(name)

    def get_dependency_result(self, step_name: str) -> Any:
        return self.dependency_results.get_results(step_name)

    def get_results(self, step_name: str) -> Any:
        return self.dependency_results.get_results(step_name)
