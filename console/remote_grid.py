"""The grid's steps over Tasker's REST API (``RemoteEngine.task_grid``)."""

from __future__ import annotations

from typing import Any


def grid_step(step: dict[str, Any]) -> dict[str, Any]:
    """A step of a TaskResponse or a StepResponse as a grid cell's step (the API does not say
    which template step a clone came from: each step is its own column)."""
    error = step.get("error") or {}
    return {
        "name": step["name"], "template_step": step["name"],
        "current_state": step["current_state"], "attempts": step.get("attempts") or 0,
        "error_code": error.get("error_code"), "error_type": error.get("error_type"),
    }  # fmt: skip
