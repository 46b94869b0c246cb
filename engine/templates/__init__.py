"""Tasker task templates: the schema, loading with file:line errors, and the catalog."""

from __future__ import annotations

from engine.templates.catalog import TemplateCatalog
from engine.templates.errors import TemplateError, TemplateNotFound, TemplateWarning
from engine.templates.loader import LoadedTemplate, load_template, load_template_text
from engine.templates.models import (
    BatchConfiguration,
    EnvironmentOverride,
    HandlerDefinition,
    LifecycleConfig,
    RetryConfiguration,
    StepDefinition,
    StepOverride,
    StepType,
    TaskTemplate,
)
from engine.templates.problems import TemplateProblem, TemplateUnavailable

__all__ = [
    "BatchConfiguration",
    "EnvironmentOverride",
    "HandlerDefinition",
    "LifecycleConfig",
    "LoadedTemplate",
    "RetryConfiguration",
    "StepDefinition",
    "StepOverride",
    "StepType",
    "TaskTemplate",
    "TemplateCatalog",
    "TemplateError",
    "TemplateNotFound",
    "TemplateProblem",
    "TemplateUnavailable",
    "TemplateWarning",
    "load_template",
    "load_template_text",
]
