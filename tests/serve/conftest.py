"""One ``tasker serve`` process per backend for the module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import backends
from tests.serve.support import serving


@dataclass
class Served:
    db: str | Path
    base: str
    http: httpx.Client
    folder: Path


@pytest.fixture(scope="module", params=backends.BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serve")
    schemas: Iterator[str] | None = None
    db: str | Path
    if request.param == "sqlite":
        db = folder / "tasker.db"
    else:
        schemas = backends.pg_schema(request.getfixturevalue("pg_database"))
        db = next(schemas)
    try:
        with (
            serving(db, log=folder / "serve.log") as base,
            httpx.Client(base_url=base, timeout=60) as http,
        ):
            yield Served(db, base, http, folder)
    finally:
        if schemas is not None:
            next(schemas, None)
