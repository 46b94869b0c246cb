"""Tasker's Python client (``tasker_core.client``), writing to the local engine's database."""

from __future__ import annotations

from engine.handlers.client import TaskerClient, TaskerClientError, TaskListResponse, TaskResponse

__all__ = ["TaskListResponse", "TaskResponse", "TaskerClient", "TaskerClientError"]
