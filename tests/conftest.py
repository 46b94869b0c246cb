"""Fixtures every suite may use: the database backends (see tests/backends.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import backends, external


def pytest_report_header(config: pytest.Config) -> list[str]:
    problem = backends.server_problem()
    if problem:
        lines = [f"postgresql: skipped, {problem}"]
    else:
        lines = [
            f"postgresql: {backends.ADMIN_URL} (a database of this run's own, dropped at the end)"
        ]
    for material in external.MATERIALS:
        try:
            found = external.locate(material)
            note = str(found) if found else f"absent, its tests skip ({material.env_var} unset)"
        except external.MaterialProblem as wrong:
            note = str(wrong)
        lines.append(f"{material.title}: {note}")
    return lines


@pytest.fixture(scope="session")
def pg_database() -> Iterator[backends.PgDatabase]:
    problem = backends.server_problem()
    if problem:
        pytest.skip(problem)
    database = backends.PgDatabase()
    database.create()
    try:
        yield database
    finally:
        database.drop()


@pytest.fixture
def pg_url(pg_database: backends.PgDatabase) -> Iterator[str]:
    """The URL of an empty PostgreSQL schema of this test's own."""
    yield from backends.pg_schema(pg_database)


@pytest.fixture(params=backends.BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """A database on each backend: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "tasker.db"
    url: str = request.getfixturevalue("pg_url")
    return url
