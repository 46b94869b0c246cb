"""``tasker db migrate`` and ``tasker db copy``: schemas created on either backend, and every
task, step, result and transition moved from SQLite to PostgreSQL (and back) without loss."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from engine.api import Engine, open_engine
from engine.cli import main
from engine.clock import FakeClock
from engine.store import admin
from engine.store.sqlite import schema
from tests.backends import TABLES, digest, table_rows
from tests.engine.support import CART, DATA, HANDLERS


async def tasker(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI as a user runs it (on a thread: it runs its own event loop)."""
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def a_busy_history(engine: Engine, tmp_path: Path) -> None:
    """Tasks in every kind of state, with retries, operator actions and results."""
    await engine.create_task("ecommerce_order_processing", "ecommerce", CART)
    retried = await engine.create_task("flaky_chain", "testing", {"script": {"first": ["retry"]}})
    blocked = await engine.create_task(
        "flaky_chain", "testing", {"script": {"second": ["permanent"]}}
    )
    fixed = await engine.create_task(
        "flaky_chain", "testing", {"script": {"first": [f"fixed_by:{tmp_path / 'fix'}"]}}
    )
    await engine.create_task("flaky_chain", "testing", {"order": 9}, idempotency_key="cancel-me")
    cancelled = await engine.create_task("flaky_chain", "testing", {"order": 10})
    await engine.cancel_task(cancelled.task["task_uuid"], "customer withdrew", by="ops")
    await engine.run_until_idle()
    await engine.complete_step(blocked.task["task_uuid"], "second", {"manual": True}, "by hand")
    await engine.reset_step(fixed.task["task_uuid"], "first", "config deployed", by="ann")
    (tmp_path / "fix").write_text("ok")
    await engine.run_until_idle()
    assert (await engine.get_task(retried.task["task_uuid"]))["status"] == "complete"


async def test_copy_from_sqlite_to_postgresql_moves_every_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pg_url: str
) -> None:
    source = tmp_path / "local.db"
    async with open_engine(source, templates=[DATA], handlers=HANDLERS, clock=FakeClock()) as eng:
        await a_busy_history(eng, tmp_path)
        views = {t["task_uuid"]: await eng.get_task(t["task_uuid"]) for t in await eng.list_tasks()}
    code, out, err = await tasker(
        capsys, "db", "copy", "--from", f"sqlite:///{source}", "--to", pg_url
    )
    assert code == 0, err
    assert "copied 6 tasks from" in out
    for table in TABLES:
        assert table_rows(pg_url, table) == table_rows(source, table), table
    assert sum(len(table_rows(pg_url, t)) for t in TABLES) > 100

    async with open_engine(pg_url, templates=[DATA], handlers=HANDLERS, clock=FakeClock()) as eng:
        assert {uuid: await eng.get_task(uuid) for uuid in views} == views
        cursor = await eng.change_cursor()
        made = await eng.create_task("flaky_chain", "testing", {"after": "the move"})
        await eng.run_until_idle()
        assert (await eng.get_task(made.task["task_uuid"]))["status"] == "complete"
        assert (await eng.changes_since(cursor))[1][-1] == made.task["task_uuid"]

    back = tmp_path / "back.db"
    code, _, err = await tasker(capsys, "--db", pg_url, "db", "copy", "--to", str(back), "--json")
    assert code == 0, err
    for table in TABLES:
        assert table_rows(back, table) == table_rows(pg_url, table), table


async def test_copy_into_a_database_that_holds_data_is_refused_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str | Path
) -> None:
    source = tmp_path / "source.db"
    for target in (source, db):
        async with open_engine(target, templates=[DATA], clock=FakeClock()) as eng:
            await eng.create_task("flaky_chain", "testing", {"target": str(target)})
    before = digest(db)
    code, out, err = await tasker(capsys, "db", "copy", "--from", str(source), "--to", str(db))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "already holds data (1 tasks); copy into an empty" in err
    assert digest(db) == before
    code, _, err = await tasker(capsys, "db", "copy", "--from", str(db), "--to", str(db))
    assert code == 2 and "name the same database" in err


async def test_migrate_creates_then_finds_the_schema_current(
    capsys: pytest.CaptureFixture[str], db: str | Path
) -> None:
    code, out, _ = await tasker(capsys, "--db", str(db), "db", "migrate")
    assert code == 0 and out.endswith(f"schema version {schema.SCHEMA_VERSION} (created)\n")
    code, out, _ = await tasker(capsys, "--db", str(db), "db", "migrate", "--json")
    report = json.loads(out)
    assert code == 0 and report["from"] == report["to"] == schema.SCHEMA_VERSION
    assert report["database"] == admin.label(str(db))


async def test_migrate_against_no_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = await tasker(
        capsys, "--db", "postgresql://u:pw@127.0.0.1:1/x", "db", "migrate"
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "cannot use PostgreSQL at" in err and "pw" not in err
