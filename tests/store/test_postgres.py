"""What only the PostgreSQL store has to prove: migrations under concurrency, the change feed in
commit order while many connections write, NOTIFY wake-ups, and one-line connection errors."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from engine.store import StoreError, open_store
from engine.store.postgres import schema as pg_schema
from engine.store.postgres.store import PostgresStore
from engine.store.sqlite import schema
from tests.store.support import T0, plan


async def test_schema_versions_move_in_step_with_sqlite() -> None:
    assert pg_schema.SCHEMA_VERSION == schema.SCHEMA_VERSION


async def test_workers_opening_an_empty_database_together_migrate_it_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(open_store(pg_url) for _ in range(4)))
    for store in stores:
        await store.close()
    with psycopg.connect(pg_url) as conn:
        versions = conn.execute("SELECT version FROM tasker_schema").fetchall()
    assert versions == [(pg_schema.SCHEMA_VERSION,)]


async def test_a_schema_newer_than_the_code_is_refused_in_one_line(pg_url: str) -> None:
    store = await open_store(pg_url)
    await store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE tasker_schema SET version = 99")
    with pytest.raises(StoreError) as caught:
        await open_store(pg_url)
    message = str(caught.value)
    assert "schema version 99, newer than this tasker understands" in message
    assert "\n" not in message and "upgrade tasker-console" in message


async def test_an_unreachable_server_is_a_one_line_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        await open_store("postgresql://ops:secret@127.0.0.1:1/tasker")
    message = str(caught.value)
    assert message.startswith("cannot use PostgreSQL at postgresql://ops@127.0.0.1:1/tasker")
    assert "secret" not in message and "\n" not in message
    assert "check that the server runs" in message


async def test_the_change_feed_never_skips_a_change_committed_late(pg_url: str) -> None:
    writers = [await open_store(pg_url) for _ in range(4)]
    reader = await open_store(pg_url)
    assert isinstance(reader, PostgresStore)
    created: list[str] = []

    async def write(store) -> None:
        for n in range(25):
            made = plan({"only": ()}, context={"n": n})
            created.append(made.task_uuid)
            await store.create_task(made, T0)

    seen: set[str] = set()
    cursor = await reader.change_cursor()
    done = asyncio.gather(*(write(w) for w in writers))
    try:
        while not done.done():
            cursor, changed = await reader.changed_tasks(cursor)
            seen.update(changed)
            await asyncio.sleep(0)
        await done
        for _ in range(100):  # the last announcements may still be on their way
            cursor, changed = await reader.changed_tasks(cursor)
            seen.update(changed)
            if len(seen) == len(created):
                break
            await reader.wait_for_change(0.05)
    finally:
        for store in [*writers, reader]:
            await store.close()
    assert len(created) == 100 and seen == set(created)


async def test_a_commit_elsewhere_wakes_a_waiting_store_and_its_own_do_not(pg_url: str) -> None:
    waiting = await open_store(pg_url)
    other = await open_store(pg_url)
    assert isinstance(waiting, PostgresStore)
    try:
        await waiting.wait_for_change(0.5)  # starts listening; answers for the time before
        await waiting.create_task(plan(), T0)
        assert await waiting.wait_for_change(0.3) is False  # its own commit is no news
        wake = asyncio.create_task(waiting.wait_for_change(10))
        await asyncio.sleep(0.05)
        await other.create_task(plan(), T0)
        assert await asyncio.wait_for(wake, 5) is True
    finally:
        await waiting.close()
        await other.close()


async def _count_tasks(store: PostgresStore) -> int:
    return len(await store.list_tasks(None, None, limit=100))


async def test_a_write_that_fails_midway_leaves_nothing_and_the_store_goes_on(pg_url: str) -> None:
    store = await open_store(pg_url)
    assert isinstance(store, PostgresStore)

    async def queue_then(tx, failure):  # a statement queued in the pipeline, then a failure
        await tx.run("UPDATE tasks SET status = 'error'")
        if failure == "python":
            raise ValueError("refused after queuing")
        await tx.one("SELECT 1 / 0 AS boom")

    try:
        made = await store.create_task(plan(), T0)
        for failure in ("python", "server"):
            with pytest.raises((ValueError, StoreError)):
                await store._write(queue_then, failure)
            view = await store.get_task(made[0])
            assert view is not None and view["status"] == "pending"
        await store.create_task(plan(), T0)  # every pooled connection is usable again
        assert await _count_tasks(store) == 2
    finally:
        await store.close()


async def test_a_write_cancelled_while_it_waits_on_the_server_is_rolled_back(pg_url: str) -> None:
    store = await open_store(pg_url)
    assert isinstance(store, PostgresStore)
    started = asyncio.Event()

    async def slow(tx) -> None:
        await tx.run("UPDATE tasks SET status = 'error'")
        started.set()
        await tx.one("SELECT pg_sleep(5) AS slept")

    try:
        made = await store.create_task(plan(), T0)
        write = asyncio.create_task(store._write(slow))
        await started.wait()
        await asyncio.sleep(0.05)
        write.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(write, 10)
        view = await store.get_task(made[0])
        assert view is not None and view["status"] == "pending"
        await store.create_task(plan(), T0)
        assert await _count_tasks(store) == 2
    finally:
        await store.close()
