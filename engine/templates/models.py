"""Tasker's task-template schema as pydantic models (tasker-behaviour §1).

Unknown keys are kept (``extra="allow"``) so the loader can warn about them by name; Tasker
ignores them too. An explicit YAML null counts as the key being absent, as in Tasker's templates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

ALL_STEPS = "ALL"  # an environments override with this name applies to every step


class StepType(StrEnum):
    """What kind of step a template declares."""

    STANDARD = "standard"  # a normal step
    DECISION = "decision"  # its handler chooses which descendant steps to create
    DEFERRED_CONVERGENCE = "deferred_convergence"  # joins whatever branches were created
    BATCHABLE = "batchable"  # its handler splits work into batch_worker instances
    BATCH_WORKER = "batch_worker"  # a template cloned per batch; never run itself


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    null_means: ClassVar[dict[str, Any]] = {}  # what an explicit null stands for, per key

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        names = _field_names(cls)
        out: dict[Any, Any] = {}
        for key, value in data.items():
            if value is None and key in cls.null_means:
                out[key] = cls.null_means[key]
            elif value is not None or key not in names:
                out[key] = value
        return out

    def unknown_keys(self) -> list[str]:
        return sorted(str(k) for k in (self.model_extra or {}))


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(model: type[BaseModel]) -> frozenset[str]:
    """A model's field names and aliases, worked out once per class (a template of thousands
    of steps asks per step)."""
    names = _FIELD_NAMES.get(model)
    if names is None:
        fields = model.model_fields.items()
        names = _FIELD_NAMES[model] = frozenset(n for k, f in fields for n in (k, f.alias) if n)
    return names


class HandlerDefinition(_Model):
    null_means: ClassVar[dict[str, Any]] = {"callable": ""}  # reported as an empty callable

    callable: str
    method: str = "call"
    resolver: str | None = None
    initialization: dict[str, Any] = Field(default_factory=dict)


class RetryConfiguration(_Model):
    """``max_attempts`` counts the first run. Bases left None mean the engine defaults."""

    retryable: bool = True
    max_attempts: int = 3
    backoff: Literal["none", "linear", "exponential", "fibonacci"] = "exponential"
    backoff_base_ms: int | None = None
    max_backoff_ms: int | None = None


_DEFAULT_RETRY = RetryConfiguration(backoff_base_ms=1000, max_backoff_ms=30_000)


def _default_retry() -> RetryConfiguration:
    # Tasker's Default impl: with no ``retry:`` block at all the bases are filled in. A copy of
    # one validated instance (its fields are plain values): validating it per step costs.
    return _DEFAULT_RETRY.model_copy()


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


DEFAULT_STEP_TIMEOUT_MS = 30_000  # Tasker's default step timeout


class StepDefinition(_Model):
    name: str
    description: str | None = None
    handler: HandlerDefinition
    type: StepType = Field(default=StepType.STANDARD, alias="step_type")
    system_dependency: str | None = None
    dependencies: list[str] = Field(default_factory=list, alias="depends_on")
    retry: RetryConfiguration = Field(default_factory=_default_retry)
    timeout_seconds: int | None = Field(default=None, ge=0)  # Tasker's u32
    publishes_events: list[dict[str, Any]] = Field(default_factory=list)
    batch_config: BatchConfiguration | None = None
    result_schema: dict[str, Any] | None = None
    composition: Any = None

    def timeout_ms(self) -> int:
        """Tasker's order: handler.initialization.timeout_ms, then timeout_seconds, then 30 s."""
        init_timeout = (self.handler.initialization or {}).get("timeout_ms")
        if isinstance(init_timeout, int | float) and init_timeout > 0:
            return int(init_timeout)
        if self.timeout_seconds:
            return int(self.timeout_seconds * 1000)
        return DEFAULT_STEP_TIMEOUT_MS


class HandlerOverride(_Model):
    initialization: dict[str, Any] = Field(default_factory=dict)


class StepOverride(_Model):
    """One entry of ``environments.<env>.steps``; ``name`` may be ``ALL``."""

    name: str
    handler: HandlerOverride | None = None
    timeout_seconds: int | None = Field(default=None, ge=0)
    retry: RetryConfiguration | None = None

    def applies_to(self, step_name: str) -> bool:
        return self.name in (ALL_STEPS, step_name)


class EnvironmentOverride(_Model):
    steps: list[StepOverride] = Field(default_factory=list)


class TaskTemplate(_Model):
    name: str
    namespace_name: str
    version: str
    description: str | None = None
    metadata: dict[str, Any] | None = None
    system_dependencies: dict[str, Any] = Field(
        default_factory=lambda: {"primary": "default", "secondary": []}
    )
    domain_events: list[dict[str, Any]] = Field(default_factory=list)
    input_schema: dict[str, Any] | None = None
    steps: list[StepDefinition] = Field(default_factory=list)
    environments: dict[str, EnvironmentOverride] = Field(default_factory=dict)
    lifecycle: LifecycleConfig | None = None
    identity_strategy: Literal["strict", "caller_provided", "always_unique"] = "strict"
    source_path: str | None = None
    # The steps by name, built on the first look-up, for the ``steps`` list it was built from
    # (a copy with other steps builds its own).
    _by_name: tuple[list[StepDefinition], int, dict[str, StepDefinition]] | None = PrivateAttr(None)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    @field_validator("environments", mode="before")
    @classmethod
    def _empty_environment(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace_name, self.name, self.version)

    @property
    def ref(self) -> str:
        return f"{self.namespace_name}/{self.name}@{self.version}"

    def step(self, name: str) -> StepDefinition:
        """The step named ``name`` (the first, if a broken template names two alike)."""
        index = self._by_name
        if index is None or index[0] is not self.steps or index[1] != len(self.steps):
            by_name: dict[str, StepDefinition] = {}
            for step in self.steps:
                by_name.setdefault(step.name, step)
            index = self._by_name = (self.steps, len(self.steps), by_name)
        found = index[2].get(name)
        if found is None:
            raise KeyError(f"template {self.ref} has no step '{name}'")
        return found

    def dependency_map(self) -> dict[str, list[str]]:
        return {s.name: list(s.dependencies) for s in self.steps}

    def resolved_for(self, environment: str) -> TaskTemplate:
        """Apply ``environments.<environment>`` with Tasker's merge rules.

        Overrides apply in the order written; ``name: ALL`` applies to every step;
        ``handler.initialization`` is merged (override keys win); ``timeout_seconds`` replaces;
        ``retry`` replaces the whole object, so its unset fields are the defaults again;
        names that match no step are ignored. An environment the template lacks changes nothing.
        """
        override = self.environments.get(environment)
        if override is None or not override.steps:
            return self
        steps = []
        for step in self.steps:
            step = step.model_copy(deep=True)
            for change in override.steps:
                if not change.applies_to(step.name):
                    continue
                if change.handler is not None:
                    step.handler.initialization = {
                        **step.handler.initialization,
                        **change.handler.initialization,
                    }
                if change.timeout_seconds is not None:
                    step.timeout_seconds = change.timeout_seconds
                if change.retry is not None:
                    step.retry = change.retry.model_copy(deep=True)
            steps.append(step)
        return self.model_copy(update={"steps": steps})
