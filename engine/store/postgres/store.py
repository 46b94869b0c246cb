"""PostgreSQL store on psycopg 3 (async) with a connection pool, for engines on many hosts.

Same contract and semantics as the SQLite store: every write is one transaction of
compare-and-set moves with their audit rows. Claims lock task rows with FOR UPDATE SKIP LOCKED,
so workers on any number of hosts never wait for each other's tasks; each committed change is
announced with NOTIFY, so idle workers and consoles wake at once instead of polling.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from engine.store.base import AttemptResult, ClaimedStep, Finished, StoreError, TaskPlan
from engine.store.operator_actions import StepAction
from engine.store.postgres import attempts as postgres_attempts
from engine.store.postgres import claims
from engine.store.postgres import context as postgres_context
from engine.store.postgres import dynamic as postgres_dynamic
from engine.store.postgres import events as postgres_events
from engine.store.postgres import failures as postgres_failures
from engine.store.postgres import grid as postgres_grid
from engine.store.postgres import reads as postgres_reads
from engine.store.postgres import schema as postgres_schema
from engine.store.postgres import writes as postgres_writes
from engine.store.postgres.leases import PostgresLeaseRenewer
from engine.store.postgres.tx import Tx, publish

log = logging.getLogger("tasker.store")

R = TypeVar("R")
POOL_SIZE = 4
CONCURRENT_WRITES = 2  # 1: 0.80x the chains/s of 2 with one worker process; 3: 0.85x
CONNECT_TIMEOUT_S = 5
# Every write transaction's planner settings (one statement, no round trip of its own):
# - A write's statements are a few fixed texts, prepared (psycopg prepares one run five
#   times): planned once per connection, not per run (the claim's plan alone took longer than
#   a step's writes on a database of 50,000 steps). Reads keep plans made for their values.
# - Each finds its few rows by key. The planner would rather scan a small table whole (and
#   hash it) than look up a handful of keys, and a plan made while the tables were small is
#   kept for the connection's life: once they grew, every step read every task and step.
#   With scans and hash joins ruled out (still used where nothing else can do), 32 steps'
#   writes took 18.5 -> 14.5 ms of server time at 5,000 steps, 1.35x the chains/s. Merge
#   joins too: one walks the steps' key index from its start to the few keys it joins (the
#   newest, so all of it), on every write: one chain at a time, a step took 4.1 ms at 250
#   chains and 7.5 ms at 2,000; now the same all along.
# - Memory for a sort or hash table of 1 MB, not 4: the claim's walk up the ancestors
#   (a recursive UNION) gets a hash table sized by the planner's guess of its rows, hundreds of
#   thousands, and the server zeroed 8 MB for it on every claim (1.5 -> 0.5 ms per claim).
WRITE_SETTINGS = (
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),"
    " set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true),"
    " set_config('enable_mergejoin', 'off', true), set_config('work_mem', '1MB', true)"
)
RETRIES = 5  # a deadlock or serialization failure is retried as a whole transaction
LISTEN_RETRY_S = 1.0


def label_of(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the PostgreSQL URL"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}"


def friendly(label: str, exc: psycopg.Error) -> StoreError:
    first = " ".join(str(exc).strip().splitlines()[0].split()) if str(exc).strip() else ""
    text = first or type(exc).__name__
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, errors.QueryCanceled):
        return StoreError(
            f"cannot use PostgreSQL at {label} ({text}); check that the server runs and the URL"
        )
    return StoreError(f"database {label}: {text}")


class PostgresStore(
    postgres_reads.ReadMixin,
    postgres_events.EventsMixin,
    postgres_failures.FailuresMixin,
    postgres_grid.GridMixin,
):
    """The store for one database shared by many hosts."""

    # A worker's group commit keeps this many writes in flight (each waits on round trips to
    # the server, not on the CPU); the pool keeps connections for reads beside them.
    concurrent_writes = CONCURRENT_WRITES

    def __init__(
        self, url: str, pool: AsyncConnectionPool, schema: str, own_pids: set[int]
    ) -> None:
        self.url = url
        self.label = label_of(url)
        self._pool = pool
        self._feed_lock = postgres_schema.lock_key(schema, "change_seq")
        self._channel = f"tasker_changes:{schema}"
        self._own_pids = own_pids
        self._changed = asyncio.Event()  # another process committed (worker wake-ups)
        self._listener: asyncio.Task[None] | None = None
        self._listening = False
        self._feed_dirty = True  # any commit since the change feed was last read
        self._feed_cursor: int | None = None

    @classmethod
    async def open(cls, url: str, pool_size: int = POOL_SIZE) -> PostgresStore:
        """Connect, create or upgrade the schema, and open the pool."""
        label = label_of(url)
        try:
            conn = await psycopg.AsyncConnection.connect(
                url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, row_factory=dict_row
            )
        except psycopg.Error as exc:
            raise friendly(label, exc) from None
        try:
            schema = await _current_schema(conn, label)
            await postgres_schema.migrate(conn, schema, label)
        except psycopg.Error as exc:
            raise friendly(label, exc) from None
        finally:
            await conn.close()
        own_pids: set[int] = set()

        async def configure(new: psycopg.AsyncConnection[Any]) -> None:
            own_pids.add(new.info.backend_pid)  # its NOTIFYs are this process's own changes
            # The engine's statements are short: compiling one (which the planner's estimates
            # for the recursive ancestor lookup would ask for) costs far more than running it.
            await new.execute("SET jit = off")

        pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=configure,
            open=False,
            name="tasker",
        )
        store = cls(url, pool, schema, own_pids)
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:
            await pool.close()
            raise StoreError(
                f"cannot open connections to PostgreSQL at {label} ({exc}); check the server"
            ) from None
        return store

    def lease_renewer(self) -> PostgresLeaseRenewer:
        return PostgresLeaseRenewer(self.url, self.label)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self._pool.close()

    async def _read(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R:
        """Run ``fn(tx, *args)`` on a pooled connection, outside any transaction."""
        try:
            async with self._pool.connection() as conn:
                return await fn(Tx(conn), *args)
        except psycopg.Error as exc:
            raise friendly(self.label, exc) from None

    async def _write(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R:
        """Run ``fn(tx, *args)`` in one transaction, publishing its changes before COMMIT."""
        for attempt in range(RETRIES):
            try:
                async with self._pool.connection() as conn:
                    tx = Tx(conn)
                    result = await _in_one_pipeline(
                        conn,
                        partial(fn, tx, *args),
                        partial(publish, tx, self._feed_lock, self._channel),
                    )
                if tx.touched:
                    self._feed_dirty = True  # this store's own reads see its writes at once
                return result
            except (errors.DeadlockDetected, errors.SerializationFailure) as exc:
                if attempt == RETRIES - 1:
                    raise friendly(self.label, exc) from None
                await asyncio.sleep(0.005 * (attempt + 1))
            except psycopg.Error as exc:
                raise friendly(self.label, exc) from None
        raise AssertionError("unreachable")

    # writes ------------------------------------------------------------------------------
    async def create_task(self, plan: TaskPlan, now_ms: int) -> tuple[str, bool]:
        return await self._write(postgres_writes.create_task, plan, now_ms)

    async def create_and_claim(
        self, plan: TaskPlan, now_ms: int, worker_id: str, limit: int, lease_ms: int
    ) -> tuple[str, bool, list[ClaimedStep]]:
        return await self._write(
            postgres_writes.create_and_claim, plan, now_ms, worker_id, limit, lease_ms
        )

    async def claim_ready(
        self, worker_id: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[ClaimedStep]:
        if limit <= 0 or not await self._read(postgres_attempts.any_ready, now_ms):
            return []  # a read first, as most looks find nothing: no transaction, no locks
        return await self._write(claims.claim_ready, worker_id, now_ms, limit, lease_ms)

    async def finish_attempts(
        self,
        results: list[AttemptResult],
        now_ms: int,
        by: str,
        claim_limit: int = 0,
        lease_ms: int = 30_000,
    ) -> Finished:
        return await self._write(
            postgres_attempts.finish_attempts, results, now_ms, by, claim_limit, lease_ms
        )

    async def renew_leases(
        self, worker_id: str, step_uuids: list[str], lease_until_ms: int
    ) -> set[str]:
        if not step_uuids:
            return set()
        return await self._write(
            postgres_writes.renew_leases, worker_id, step_uuids, lease_until_ms
        )

    async def recover_expired(self, now_ms: int, by: str) -> int:
        if not await self._read(postgres_writes.any_expired, now_ms):
            return 0
        return await self._write(postgres_writes.recover_expired, now_ms, by)

    async def step_action(
        self,
        task_uuid: str,
        step_name: str,
        action: str,
        now_ms: int,
        by: str,
        reason: str,
        results: dict[str, Any] | None = None,
    ) -> None:
        act = StepAction(task_uuid, step_name, action, now_ms, by, reason, results)
        await self._write(postgres_writes.step_action, act)

    async def task_action(
        self, task_uuid: str, action: str, now_ms: int, by: str, reason: str
    ) -> None:
        await self._write(postgres_writes.task_action, task_uuid, action, now_ms, by, reason)

    async def edit_context(self, task_uuid: str, context: dict[str, Any], *args: Any) -> None:
        """As ``Store.edit_context`` (``now_ms, by, reason, metadata`` follow)."""
        await self._write(postgres_context.edit_context, task_uuid, context, *args)

    async def save_checkpoint(
        self, step_uuid: str, run_count: int, checkpoint: dict[str, Any], now_ms: int
    ) -> bool:
        return await self._write(
            postgres_dynamic.save_checkpoint, step_uuid, run_count, checkpoint, now_ms
        )

    # change notifications ----------------------------------------------------------------------
    async def changed_tasks(self, cursor: int) -> tuple[int, list[str]]:
        """The change feed; asked again with the cursor it last gave, it answers without a
        query while no commit has been announced since (consoles poll it often). A commit by
        another process shows once its announcement arrives, milliseconds later."""
        self._start_listening()
        if self._listening and not self._feed_dirty and cursor == self._feed_cursor:
            return cursor, []
        self._feed_dirty = False  # before the read: a commit announced during it counts
        cursor, changed = await super().changed_tasks(cursor)
        self._feed_cursor = cursor
        return cursor, changed

    def _start_listening(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="tasker listen")

    async def wait_for_change(self, timeout_s: float) -> bool:
        """Wait until another process commits a change, or ``timeout_s``; True if one did.

        A change announced since the previous call returned counts at once, so a waiter that
        looks for work and then waits misses nothing committed in between.
        """
        self._start_listening()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout_s)
        except TimeoutError:
            return False
        self._changed.clear()
        return True

    async def _listen(self) -> None:
        """LISTEN on a connection of its own; reconnects after a lost connection."""
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                    self._listening = self._feed_dirty = True  # look once at what came before
                    self._changed.set()
                    async for notice in conn.notifies():
                        self._feed_dirty = True
                        if notice.pid not in self._own_pids:
                            self._changed.set()
            except psycopg.Error as exc:
                log.debug("listening on %s failed, retrying: %s", self.label, exc)
            finally:
                self._listening = False
            await asyncio.sleep(LISTEN_RETRY_S)


async def _in_one_pipeline(
    conn: psycopg.AsyncConnection[Any],
    work: Callable[[], Awaitable[R]],
    then: Callable[[], Awaitable[None]],
) -> R:
    """BEGIN, ``work()``, ``then()`` and COMMIT sent in one pipeline: a transaction costs a
    round trip per read it waits for, plus one for COMMIT. (``conn.transaction()`` inside a
    pipeline syncs on entry and exit: two more round trips, measured at 0.26 ms here.)
    On any error the transaction is rolled back before the connection goes back to the pool."""
    try:
        async with conn.pipeline():
            await conn.execute("BEGIN")
            await conn.execute(WRITE_SETTINGS)
            result = await work()
            await then()
            await conn.execute("COMMIT")
        return result
    except BaseException:
        await _roll_back(conn)
        raise


async def _roll_back(conn: psycopg.AsyncConnection[Any]) -> None:
    """Roll back what a failed transaction left open; a broken connection is closed (the pool
    replaces it) rather than hiding the error that broke it."""
    try:
        await conn.rollback()
    except psycopg.Error:
        await conn.close()


async def _current_schema(conn: psycopg.AsyncConnection[Any], label: str) -> str:
    cur = await conn.execute("SELECT current_schema() AS schema")
    row = await cur.fetchone()
    schema = None if row is None else row["schema"]
    if not schema:
        raise StoreError(
            f"{label} has no schema to use (empty search_path); set options=-csearch_path=NAME"
        )
    return str(schema)
