"""Tasker's task-template schema as pydantic models (tasker-behaviour §1).

Unknown keys are kept (``extra="allow"``) so the loader can warn about them by name; Tasker
ignores them too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class StepType(StrEnum):
    """What kind of step a template declares."""

    STANDARD = "standard"  # a normal step
    DECISION = "decision"  # its handler chooses which descendant steps to create
    DEFERRED_CONVERGENCE = "deferred_convergence"  # joins whatever branches were created
    BATCHABLE = "batchable"  # its handler splits work into batch_worker instances
    BATCH_WORKER = "batch_worker"  # a template cloned per batch; never run itself


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def unknown_keys(self) -> list[str]:
        return sorted((self.model_extra or {}).keys())


class HandlerDefinition(_Model):
    callable: str
    method: str = "call"
    resolver: str | None = None
    initialization: dict[str, Any] = Field(default_factory=dict)

    @field_validator("initialization", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class RetryConfiguration(_Model):
    """``max_attempts`` counts the first run. Bases left None mean the engine defaults."""

    retryable: bool = True
    max_attempts: int = 3
    backoff: Literal["none", "linear", "exponential", "fibonacci"] = "exponential"
    backoff_base_ms: int | None = None
    max_backoff_ms: int | None = None


def _default_retry() -> RetryConfiguration:
    # Tasker's Default impl: with no ``retry:`` block at all the bases are filled in.
    return RetryConfiguration(backoff_base_ms=1000, max_backoff_ms=30_000)


class BatchConfiguration(_Model):
    batch_size: int = 1000
    parallelism: int = 10
    cursor_field: str = "id"
    worker_template: str
    failure_strategy: Literal["continue_on_failure", "fail_fast", "isolate"] = "continue_on_failure"


class LifecycleConfig(_Model):
    max_duration_minutes: int | None = None
    max_waiting_for_dependencies_minutes: int | None = None
    max_waiting_for_retry_minutes: int | None = None
    max_steps_in_process_minutes: int | None = None
    staleness_action: Literal["dlq", "error", "none"] = "dlq"
    auto_fail_on_timeout: bool | None = None
    auto_dlq_on_timeout: bool | None = None


class StepDefinition(_Model):
    name: str
    description: str | None = None
    handler: HandlerDefinition
    type: StepType = Field(default=StepType.STANDARD, alias="step_type")
    system_dependency: str | None = None
    dependencies: list[str] = Field(default_factory=list, alias="depends_on")
    retry: RetryConfiguration = Field(default_factory=_default_retry)
    timeout_seconds: int | None = None
    publishes_events: list[dict[str, Any]] = Field(default_factory=list)
    batch_config: BatchConfiguration | None = None
    result_schema: dict[str, Any] | None = None
    composition: Any = None

    @field_validator("dependencies", "publishes_events", mode="before")
    @classmethod
    def _none_is_empty_list(cls, value: Any) -> Any:
        return [] if value is None else value


class TaskTemplate(_Model):
    name: str
    namespace_name: str
    version: str
    description: str | None = None
    metadata: dict[str, Any] | None = None
    system_dependencies: dict[str, Any] | None = None
    domain_events: list[dict[str, Any]] = Field(default_factory=list)
    input_schema: dict[str, Any] | None = None
    steps: list[StepDefinition] = Field(default_factory=list)
    environments: dict[str, Any] = Field(default_factory=dict)
    lifecycle: LifecycleConfig | None = None
    identity_strategy: Literal["strict", "caller_provided", "always_unique"] = "strict"
    source_path: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("steps", "domain_events", mode="before")
    @classmethod
    def _none_is_empty_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("environments", mode="before")
    @classmethod
    def _none_is_empty_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace_name, self.name, self.version)

    @property
    def ref(self) -> str:
        return f"{self.namespace_name}/{self.name}@{self.version}"

    def step(self, name: str) -> StepDefinition:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"template {self.ref} has no step '{name}'")

    def dependency_map(self) -> dict[str, list[str]]:
        return {s.name: list(s.dependencies) for s in self.steps}

    def resolved_for(self, environment: str) -> TaskTemplate:
        """Apply ``environments.<environment>`` with Tasker's merge rules.

        ``name: ALL`` applies to every step; ``handler.initialization`` is merged;
        ``timeout_seconds`` replaces; ``retry`` replaces the whole object (through the
        defaults); names that match no step are ignored.
        """
        override = (self.environments or {}).get(environment) or {}
        changes = override.get("steps") or []
        steps = []
        for step in self.steps:
            step = step.model_copy(deep=True)
            for change in changes:
                if change.get("name") not in ("ALL", step.name):
                    continue
                init = (change.get("handler") or {}).get("initialization")
                if init:
                    step.handler.initialization = {**step.handler.initialization, **init}
                if change.get("timeout_seconds") is not None:
                    step.timeout_seconds = change["timeout_seconds"]
                if change.get("retry") is not None:
                    step.retry = RetryConfiguration.model_validate(change["retry"])
            steps.append(step)
        return self.model_copy(update={"steps": steps})
