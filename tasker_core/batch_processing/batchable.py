"""Tasker's ``Batchable`` mixin (``tasker_core.batch_processing.batchable``)."""

from __future__ import annotations

from engine.handlers.batchable import Batchable
from engine.handlers.batching import BatchAggregationScenario, BatchWorkerConfig

__all__ = ["BatchAggregationScenario", "BatchWorkerConfig", "Batchable"]
