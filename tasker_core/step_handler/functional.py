"""Tasker's functional DSL (``tasker_core.step_handler.functional``).

``decision_handler``, ``batch_analyzer``, ``batch_worker``, ``Decision`` and ``BatchConfig``
will be re-exported here once the engine supports decision and batchable steps.
"""

from __future__ import annotations

from engine.handlers.api import api_handler
from engine.handlers.functional import depends_on, inputs, step_handler

__all__ = ["api_handler", "depends_on", "inputs", "step_handler"]
