"""``tasker serve``: Tasker's orchestration REST API (OpenAPI 3.1) over this engine.

A thin layer: every route calls the ``engine.api.Engine`` facade, as the CLI does; the engine
never imports this package, so ``import engine`` stays free of FastAPI.
"""

from __future__ import annotations
