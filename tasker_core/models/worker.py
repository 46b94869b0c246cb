"""Tasker's worker-facing records (``tasker_core.models``): configuration, status, health.

Tasker's Python worker fills these from its Rust core; this project's worker is the engine's
own (``tasker worker``), so here they are the documented shapes only, validated like Tasker's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LogLevel = Literal["trace", "debug", "info", "warn", "error"]


class BootstrapConfig(BaseModel):
    """How a worker is started."""

    model_config = ConfigDict(extra="forbid")

    worker_id: str | None = None
    namespace: str = "default"
    config_path: str | None = None
    log_level: LogLevel = "info"


class BootstrapResult(BaseModel):
    """What starting a worker reported."""

    success: bool
    handle_id: str | None = None
    worker_id: str | None = None
    status: str | None = None
    message: str | None = None
    error_message: str | None = None


class WorkerState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    SHUTTING_DOWN = "shutting_down"
    STOPPED = "stopped"
    ERROR = "error"


class WorkerStatus(BaseModel):
    """A worker's state as reported."""

    running: bool
    error: str | None = None
    environment: str | None = None
    worker_core_status: str | None = None
    web_api_enabled: bool | None = None
    supported_namespaces: list[str] | None = None
    database_pool_size: int | None = None
    database_pool_idle: int | None = None


class StepHandlerCallResult(BaseModel):
    """A handler call's outcome in its JSON shape."""

    success: bool
    result: dict[str, Any] = Field(default_factory=dict)
    error_message: str | None = None
    error_type: str | None = None
    retryable: bool = True
    metadata: dict[str, Any] = Field(default_factory=dict)


class LogContext(BaseModel):
    """Fields a log line can carry."""

    correlation_id: str | None = None
    task_uuid: str | None = None
    step_uuid: str | None = None
    namespace: str | None = None
    operation: str | None = None


class ComponentHealth(BaseModel):
    name: str
    status: str
    message: str | None = None
    pool_size: int | None = None
    pool_idle: int | None = None


class HealthCheck(BaseModel):
    status: str
    is_running: bool
    components: dict[str, ComponentHealth] = Field(default_factory=dict)
    rust: dict[str, Any] = Field(default_factory=dict)
    python: dict[str, Any] = Field(default_factory=dict)


class WorkerMetrics(BaseModel):
    dispatch_channel_pending: int = 0
    oldest_pending_age_ms: int | None = None
    newest_pending_age_ms: int | None = None
    starvation_detected: bool = False
    starving_event_count: int = 0
    database_pool_size: int | None = None
    database_pool_idle: int | None = None
    environment: str | None = None
    steps_processed: int = 0
    steps_succeeded: int = 0
    steps_failed: int = 0


class WorkerConfig(BaseModel):
    environment: str | None = None
    supported_namespaces: list[str] = Field(default_factory=list)
    web_api_enabled: bool = False
    database_pool_size: int | None = None
    polling_interval_ms: int = 10
    starvation_threshold_ms: int = 1000
    max_concurrent_handlers: int | None = None
    handler_timeout_ms: int | None = None
