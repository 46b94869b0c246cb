"""The ASGI application: the engine opened for the server's lifetime, routes, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from engine.api import open_engine
from server import (
    errors,
    routes_console,
    routes_insight,
    routes_steps,
    routes_system,
    routes_tasks,
)
from server.auth import KeyRing


@dataclass(frozen=True)
class Settings:
    db: str | Path
    templates: Sequence[str | Path] = ()
    handlers: Sequence[str] = ()
    environment: str | None = None
    keys: KeyRing | None = None  # None: no authentication (loopback only)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_engine(
            settings.db,
            templates=settings.templates,
            handlers=settings.handlers,
            environment=settings.environment,
        ) as engine:
            app.state.engine = engine
            yield

    app = FastAPI(
        title="Tasker orchestration API (tasker-console)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.keys = settings.keys
    app.state.environment = settings.environment
    errors.install(app)
    for module in (routes_system, routes_tasks, routes_steps, routes_insight, routes_console):
        app.include_router(module.router)
    return app
