"""On PostgreSQL a step's work reads what it needs through indexes, whatever the database holds:
run through the store's hot path (create, claim, store results and claim the next) on a
database already holding 25,000 finished steps, no statement reads a whole table of tasks,
steps, edges, contexts or audit rows (the server's own count of sequential scans says so).
The same holds for a worker whose connections planned their writes while the database was
still small (a write's plan is made once per connection and kept), for what an idle worker
asks between steps, and for its look for due events among many delivered ones. Nor does such a
worker's write walk an index from its start or hash every waiting step of other tasks: the
rows its statements read stay a few per step, however many steps wait in the database."""

from __future__ import annotations

import time

import psycopg

from engine.store import Store, open_store
from engine.store.postgres.store import PostgresStore
from tests.store.support import T0, plan, success

COPIES = 5_000
BIG_TABLES = ("tasks", "steps", "step_edges", "task_contexts", "step_transitions")
# A copy's key columns: the original's with the copy's number appended (unique, same shape).
RENAMED = {
    "tasks": ("task_uuid", "identity_hash"),
    "task_contexts": ("task_uuid",),
    "steps": ("step_uuid", "task_uuid"),
    "step_edges": ("task_uuid", "from_step", "to_step"),
    "step_transitions": ("task_uuid", "step_uuid"),
}


def _copy(cx: psycopg.Connection, table: str, task_uuid: str) -> None:
    """``COPIES`` copies of one task's rows in ``table``."""
    columns = [
        r[0]
        for r in cx.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = %s AND column_default IS DISTINCT FROM"
            " 'nextval(''step_transitions_id_seq''::regclass)' AND column_name <> 'id'"
            " ORDER BY ordinal_position",
            (table,),
        ).fetchall()
    ]
    picked = [f"{c} || '-' || g" if c in RENAMED[table] else c for c in columns]
    cx.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(picked)}"
        f" FROM {table}, generate_series(1, {COPIES}) AS g WHERE task_uuid = %s",
        (task_uuid,),
    )


def _scans(url: str, tables: tuple[str, ...] = BIG_TABLES) -> dict[str, tuple[int, int]]:
    """Per table: (sequential scans, index scans) the server has counted."""
    with psycopg.connect(url, autocommit=True) as cx:
        found = cx.execute(
            "SELECT relname, seq_scan, COALESCE(idx_scan, 0) FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema() AND relname = ANY(%s)",
            (list(tables),),
        ).fetchall()
    return {name: (seq, idx) for name, seq, idx in found}


def _settled(url: str, tables: tuple[str, ...] = BIG_TABLES) -> dict[str, tuple[int, int]]:
    """The counts once closed connections' statistics have all arrived (a server process
    sends them as it ends, or at most once a second): unchanged for 1.5 s."""
    seen, since = _scans(url, tables), time.monotonic()
    while time.monotonic() - since < 1.5:
        time.sleep(0.1)
        now = _scans(url, tables)
        if now != seen:
            seen, since = now, time.monotonic()
    return seen


def _rows_read(url: str) -> int:
    """Rows the server has counted as read from ``steps`` and ``step_edges``, through any
    index or scan."""
    with psycopg.connect(url, autocommit=True) as cx:
        found = cx.execute(
            "SELECT COALESCE(SUM(idx_tup_read), 0) FROM pg_stat_user_indexes"
            " WHERE schemaname = current_schema() AND relname IN ('steps', 'step_edges')"
        ).fetchone()
        scanned = cx.execute(
            "SELECT COALESCE(SUM(seq_tup_read), 0) FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema() AND relname IN ('steps', 'step_edges')"
        ).fetchone()
    assert found is not None and scanned is not None
    return int(found[0]) + int(scanned[0])


def _hold_all(pg_url: str) -> None:
    """Every step in the database pending and held behind a dependency, its task pending: a
    backlog (none of it ready to claim)."""
    with psycopg.connect(pg_url, autocommit=True) as cx:
        cx.execute("UPDATE steps SET state = 'pending', ready_at = NULL, unmet_dependencies = 1")
        cx.execute("UPDATE tasks SET status = 'pending', completed_steps = 0")


def _finish_all(pg_url: str) -> None:
    """Every task and step in the database marked complete (and so out of the claims' way)."""
    with psycopg.connect(pg_url, autocommit=True) as cx:
        cx.execute("UPDATE steps SET state = 'complete', ready_at = NULL, unmet_dependencies = 0")
        cx.execute("UPDATE tasks SET status = 'complete', completed_steps = total_steps")


def _fill(pg_url: str, filler_task: str) -> None:
    """``COPIES`` finished copies of ``filler_task`` in every big table."""
    with psycopg.connect(pg_url, autocommit=True) as cx:
        steps = "SELECT COUNT(*) FROM steps"
        had = cx.execute(steps).fetchone()
        for table in BIG_TABLES:
            _copy(cx, table, filler_task)
        assert had is not None and cx.execute(steps).fetchone() == (had[0] + 5 * COPIES,)
    _finish_all(pg_url)


async def _run_chain(store: Store, now: int) -> None:
    """A 3-step chain through the hot path: created, claimed, each result stored with the
    claim of the next."""
    chain = plan({"a": (), "b": ("a",), "c": ("b",)}, context={"order": now})
    await store.create_task(chain, now)
    assert await store.has_live_work()  # a step ready
    [step] = await store.claim_ready("w1", now, 4, 30_000)
    assert await store.has_live_work()  # a step running
    for n in range(3):
        _, claimed, _ = await store.finish_attempts([success(step)], now + 1 + n, "w1", 4)
        if claimed:
            [step] = claimed
    task = await store.get_task(chain.task_uuid)
    assert task is not None and task["status"] == "complete"


async def _planned_while_small(pg_url: str) -> tuple[PostgresStore, str]:
    """A store of one connection (so the plans made now are the ones used after) whose every
    write statement was planned on a database of a few tasks, and the uuid of a finished
    5-step task to fill the database with."""
    store = await PostgresStore.open(pg_url, pool_size=1)
    filler = plan({"a": (), "b": ("a",), "c": ("b",), "d": ("c",), "e": ("d",)})
    await store.create_task(filler, T0)
    _finish_all(pg_url)
    for n in range(6):  # psycopg prepares a statement on its fifth run: all are planned now
        await _run_chain(store, T0 + 10 * (n + 1))
    return store, filler.task_uuid


def _whole_reads(pg_url: str, before: dict[str, tuple[int, int]]) -> dict[str, int]:
    after = _settled(pg_url)
    assert after["steps"][1] > before["steps"][1], "no statistics reached the server"
    return {t: after[t][0] - before[t][0] for t in BIG_TABLES}


async def test_a_chain_on_a_full_database_reads_no_big_table_whole(pg_url: str) -> None:
    store = await open_store(pg_url)
    filler = plan({"a": (), "b": ("a",), "c": ("b",), "d": ("c",), "e": ("d",)})
    await store.create_task(filler, T0)
    await store.close()
    _fill(pg_url, filler.task_uuid)
    with psycopg.connect(pg_url, autocommit=True) as cx:
        cx.execute("ANALYZE")

    store = await open_store(pg_url)
    before = _settled(pg_url)
    await _run_chain(store, T0 + 10)
    await store.close()  # its connections report their statistics as they close
    assert _whole_reads(pg_url, before) == dict.fromkeys(BIG_TABLES, 0)


async def test_writes_planned_on_a_small_database_read_no_big_table_whole_once_it_grew(
    pg_url: str,
) -> None:
    store, filler = await _planned_while_small(pg_url)
    _fill(pg_url, filler)  # no ANALYZE: as between two of autovacuum's runs

    before = _settled(pg_url)
    await _run_chain(store, T0 + 100)
    # And what an idle worker asks between steps, with nothing ready and nothing running.
    assert await store.next_ready_at() is None
    assert await store.has_live_work() is False
    assert await store.recover_expired(T0 + 200, "w1") == 0
    await store.close()
    assert _whole_reads(pg_url, before) == dict.fromkeys(BIG_TABLES, 0)


async def test_looking_for_due_events_reads_no_delivered_ones(pg_url: str) -> None:
    store = await PostgresStore.open(pg_url)
    task = plan({"a": ()})
    await store.create_task(task, T0)
    event = (
        "INSERT INTO domain_events (event_id, task_uuid, step_uuid, step_name, namespace, name,"
        " delivery_mode, payload, metadata, published_by, published_at, state, next_attempt_at)"
        " SELECT %s || g, %s, (SELECT step_uuid FROM steps LIMIT 1), 'a', 'n', 'x', 'durable',"
        " '{}', '{}', 'w', %s, %s, %s FROM generate_series(1, %s) AS g"
    )
    with psycopg.connect(pg_url, autocommit=True) as cx:
        cx.execute(event, ("due-", task.task_uuid, T0, "pending", T0, 5))
        cx.execute("ANALYZE domain_events")  # taken while a few are there, all pending and due
        cx.execute(
            "DELETE FROM domain_events WHERE event_id = ANY(%s)",
            ([f"due-{n}" for n in range(1, 6)],),
        )
        cx.execute(event, ("old-", task.task_uuid, T0, "delivered", None, 50_000))
    events = ("domain_events",)
    before = _settled(pg_url, events)["domain_events"]  # the set-up's own scans counted
    assert await store.claim_events("w1", T0 + 1, 10, 30_000) == []  # none pending
    await store.close()
    after = _settled(pg_url, events)["domain_events"]
    assert after[0] == before[0]  # no sequential scan of the events
    assert after[1] > before[1]  # an index was read (and the statistics arrived)


async def test_writes_planned_on_a_small_database_read_a_few_rows_per_step_beside_a_backlog(
    pg_url: str,
) -> None:
    store, filler = await _planned_while_small(pg_url)
    _hold_all(pg_url)  # the chains run so far too: only the new chain can move
    _fill(pg_url, filler)  # 25,000 waiting steps of 5,000 tasks; no ANALYZE
    _hold_all(pg_url)

    _settled(pg_url)
    before = _rows_read(pg_url)
    await _run_chain(store, T0 + 100)
    await store.close()
    _settled(pg_url)
    # Each of the chain's writes reads its own rows by key (600-800 index entries in all for
    # the chain, dead versions included). Walking the steps' key index from its start, or
    # hashing every held step, read 61,000 and 150,000.
    assert 0 < _rows_read(pg_url) - before < 2_500
