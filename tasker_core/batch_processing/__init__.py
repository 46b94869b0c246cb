"""Tasker's batch processing helpers (``tasker_core.batch_processing``)."""

from __future__ import annotations

from engine.handlers.batchable import Batchable
from engine.handlers.batching import (
    BatchAggregationScenario,
    BatchWorkerConfig,
    BatchWorkerContext,
    aggregate_worker_results,
)

__all__ = [
    "BatchAggregationScenario",
    "BatchWorkerConfig",
    "BatchWorkerContext",
    "Batchable",
    "aggregate_worker_results",
]
