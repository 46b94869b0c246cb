"""The PostgreSQL hot path's round trips, counted: storing a result, making the next step ready
and claiming it waits on the server twice and the COMMIT, however many steps the task has (the
finishing rows, read and locked; then, in one round trip, the dependents' unmet counts with the
task's yes/no questions, and the claim with the claimed steps' ancestors), so a read added to it
fails here; and what a result's write re-evaluates is the task as the result left it."""

from __future__ import annotations

from typing import Any

import pytest

from engine.store import open_store
from engine.store.postgres import tx as pg_tx
from engine.store.postgres.store import PostgresStore
from tests.store.support import T0, plan, success


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement whose rows a PostgreSQL write waits for (one round trip each), in order:
    a statement sent ahead (``Tx.send``) whose rows came back with an earlier one's is free."""
    seen: list[str] = []
    one, every, rows = pg_tx.Tx.one, pg_tx.Tx.all, pg_tx.Tx.rows

    async def counted_one(self: pg_tx.Tx, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return await one(self, sql, params)

    async def counted_all(self: pg_tx.Tx, sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return await every(self, sql, params)

    async def counted_rows(self: pg_tx.Tx, cursor: Any) -> Any:
        if cursor.pgresult is None:  # not back yet: this read waits for the server
            seen.append(cursor._query.query.decode() if cursor._query else "?")
        return await rows(self, cursor)

    monkeypatch.setattr(pg_tx.Tx, "one", counted_one)
    monkeypatch.setattr(pg_tx.Tx, "all", counted_all)
    monkeypatch.setattr(pg_tx.Tx, "rows", counted_rows)
    return seen


async def test_a_result_stored_with_the_next_step_claimed_waits_twice_then_commits(
    pg_url: str, waits: list[str]
) -> None:
    store = await open_store(pg_url)
    assert isinstance(store, PostgresStore)
    try:
        chain = plan({"a": (), "b": ("a",), "c": ("b",)}, context={"order": 7})
        await store.create_task(chain, T0)
        [a] = await store.claim_ready("w1", T0, 4, 30_000)
        waits.clear()
        stored, [b], states = await store.finish_attempts([success(a, {"x": 1})], T0 + 1, "w1", 4)
        assert len(waits) == 2, waits
        assert "FOR UPDATE" in waits[0] and "unmet_dependencies" in waits[1]
        assert stored == [True] and b.name == "b"
        assert states == {chain.task_uuid: states[chain.task_uuid]}
        # The claim brought what the handler needs.
        assert b.context == {"order": 7}
        assert b.dependency_results["a"]["result"] == {"x": 1}
        waits.clear()
        _, [c], _ = await store.finish_attempts([success(b, {"y": 2})], T0 + 2, "w1", 4)
        assert len(waits) == 2, waits
        assert set(c.dependency_results) == {"a", "b"}  # every ancestor's, not only b's
        _, nothing, states = await store.finish_attempts([success(c)], T0 + 3, "w1", 4)
        assert nothing == [] and states[chain.task_uuid].value == "complete"
        view = await store.get_task(chain.task_uuid)
        assert view is not None and view["status"] == "complete"
    finally:
        await store.close()


async def test_a_result_re_evaluates_its_task_as_the_result_left_it(
    pg_url: str, waits: list[str]
) -> None:
    # Two parents, one join: the join is ready only once both results are stored, and the
    # re-evaluation (made on the rows read before the results, with the moves applied) says so.
    store = await open_store(pg_url)
    try:
        diamond = plan({"left": (), "right": (), "join": ("left", "right")})
        await store.create_task(diamond, T0)
        left, right = await store.claim_ready("w1", T0, 4, 30_000)
        _, claimed, _ = await store.finish_attempts([success(left)], T0 + 1, "w1", 4)
        assert claimed == []  # right still runs: the join is not ready
        _, [join], _ = await store.finish_attempts([success(right)], T0 + 2, "w1", 4)
        assert join.name == "join"
    finally:
        await store.close()
