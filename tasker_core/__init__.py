"""Tasker's Python handler and client API, running on this project's local engine.

Handlers written for Tasker's Python worker import from here unchanged::

    from tasker_core import PermanentError, RetryableError, StepHandler, StepContext
    from tasker_core.step_handler.functional import step_handler, inputs, depends_on
    from tasker_core.client import TaskerClient

The names are Tasker's (``tasker_core.__all__``); behind them is ``engine.handlers`` (and
``engine.api`` for the client). Tasker's Rust-extension entry points (worker bootstrap, the
FFI event poller) have no counterpart here: the engine's ``tasker worker`` runs steps.
"""

from __future__ import annotations

from typing import Any

from engine.handlers.api import ApiHandler
from engine.handlers.api_response import ApiResponse
from engine.handlers.base import StepHandler
from engine.handlers.batchable import Batchable
from engine.handlers.context import StepContext
from engine.handlers.decision import DecisionHandler
from engine.handlers.registry import HandlerRegistry
from tasker_core.domain_events import (
    BasePublisher,
    BaseSubscriber,
    InProcessDomainEventPoller,
    StepEventContext,
)
from tasker_core.errors import (
    AuthenticationError,
    AuthorizationError,
    BusinessLogicError,
    ConfigurationError,
    ConversionError,
    ErrorClassifier,
    FFIError,
    NetworkError,
    NotFoundError,
    PermanentError,
    RateLimitError,
    ResourceContentionError,
    RetryableError,
    ServiceUnavailableError,
    TaskerError,
    TimeoutError,
    ValidationError,
    WorkerAlreadyRunningError,
    WorkerBootstrapError,
    WorkerNotInitializedError,
    get_classifier,
    is_permanent,
    is_retryable,
)
from tasker_core.events import EventBridge, EventNames
from tasker_core.log import log_debug, log_error, log_info, log_trace, log_warn
from tasker_core.models import (
    DependencyResultsWrapper,
    HandlerWrapper,
    StepDefinitionWrapper,
    TaskSequenceStepWrapper,
    TaskWrapper,
    WorkflowStepWrapper,
)
from tasker_core.registry import (
    BaseResolver,
    ClassLookupResolver,
    ExplicitMappingResolver,
    HandlerDefinition,
    MethodDispatchWrapper,
    RegistryResolver,
    ResolutionError,
    ResolverChain,
    ResolverNotFoundError,
)
from tasker_core.step_execution_subscriber import StepExecutionError, StepExecutionSubscriber
from tasker_core.template_discovery import HandlerDiscovery, TemplateParser, TemplatePath
from tasker_core.types import (
    BatchAggregationScenario,
    BatchAnalyzerOutcome,
    BatchWorkerConfig,
    BatchWorkerContext,
    BatchWorkerOutcome,
    BootstrapConfig,
    BootstrapResult,
    ComponentHealth,
    CursorConfig,
    DecisionPointOutcome,
    DecisionType,
    DomainEventMetadata,
    ErrorType,
    FfiDispatchMetrics,
    FfiStepEvent,
    HealthCheck,
    InProcessDomainEvent,
    LogContext,
    ResultStatus,
    StarvationWarning,
    StepError,
    StepExecutionResult,
    StepHandlerCallResult,
    StepHandlerResult,
    WorkerConfig,
    WorkerMetrics,
    WorkerState,
    WorkerStatus,
)
from tasker_core.version import __version__, get_version, version

# Tasker's own top-level aliases for the two names that shadow builtins.
StepTimeoutError = TimeoutError
StepValidationError = ValidationError

__all__ = [
    "ApiHandler",
    "ApiResponse",
    "AuthenticationError",
    "AuthorizationError",
    "BasePublisher",
    "BaseResolver",
    "BaseSubscriber",
    "BatchAggregationScenario",
    "BatchAnalyzerOutcome",
    "BatchWorkerConfig",
    "BatchWorkerContext",
    "BatchWorkerOutcome",
    "Batchable",
    "BootstrapConfig",
    "BootstrapResult",
    "BusinessLogicError",
    "ClassLookupResolver",
    "ClientHealthResponse",
    "ClientPaginationInfo",
    "ClientStepAuditResponse",
    "ClientStepResponse",
    "ClientTaskListResponse",
    "ClientTaskResponse",
    "ComponentHealth",
    "ConfigurationError",
    "ConversionError",
    "CursorConfig",
    "DecisionHandler",
    "DecisionPointOutcome",
    "DecisionType",
    "DependencyResultsWrapper",
    "DomainEventMetadata",
    "ErrorClassifier",
    "ErrorType",
    "EventBridge",
    "EventNames",
    "ExplicitMappingResolver",
    "FFIError",
    "FfiDispatchMetrics",
    "FfiStepEvent",
    "HandlerDefinition",
    "HandlerDiscovery",
    "HandlerRegistry",
    "HandlerWrapper",
    "HealthCheck",
    "InProcessDomainEvent",
    "InProcessDomainEventPoller",
    "LogContext",
    "MethodDispatchWrapper",
    "NetworkError",
    "NotFoundError",
    "PermanentError",
    "RateLimitError",
    "RegistryResolver",
    "ResolutionError",
    "ResolverChain",
    "ResolverNotFoundError",
    "ResourceContentionError",
    "ResultStatus",
    "RetryableError",
    "ServiceUnavailableError",
    "StarvationWarning",
    "StepContext",
    "StepDefinitionWrapper",
    "StepError",
    "StepEventContext",
    "StepExecutionError",
    "StepExecutionResult",
    "StepExecutionSubscriber",
    "StepHandler",
    "StepHandlerCallResult",
    "StepHandlerResult",
    "StepTimeoutError",
    "StepValidationError",
    "TaskSequenceStepWrapper",
    "TaskWrapper",
    "TaskerClient",
    "TaskerError",
    "TemplateParser",
    "TemplatePath",
    "WorkerAlreadyRunningError",
    "WorkerBootstrapError",
    "WorkerConfig",
    "WorkerMetrics",
    "WorkerNotInitializedError",
    "WorkerState",
    "WorkerStatus",
    "WorkflowStepWrapper",
    "__version__",
    "get_classifier",
    "get_version",
    "is_permanent",
    "is_retryable",
    "log_debug",
    "log_error",
    "log_info",
    "log_trace",
    "log_warn",
    "version",
]


# Tasker's top-level names for the client's types (``tasker_core.client`` has them too).
_CLIENT_NAMES = {
    "TaskerClient": "TaskerClient",
    "ClientTaskResponse": "TaskResponse",
    "ClientTaskListResponse": "TaskListResponse",
    "ClientStepResponse": "StepResponse",
    "ClientStepAuditResponse": "StepAuditResponse",
    "ClientHealthResponse": "HealthResponse",
    "ClientPaginationInfo": "PaginationInfo",
}


def __getattr__(name: str) -> Any:
    # The client pulls in the engine's store; handler-only imports should not pay for it.
    if name in _CLIENT_NAMES:
        from tasker_core import client

        return getattr(client, _CLIENT_NAMES[name])
    raise AttributeError(f"module 'tasker_core' has no attribute {name!r}")
