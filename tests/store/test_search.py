"""Task search through the index, on both backends: context values, error codes and
messages, states, what matched, the count, and secrets that cannot be found."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from engine import lifecycle, retry
from engine.outcomes import ErrorType, Outcome, StepError
from engine.search_query import parse
from engine.store import Store, is_postgres, open_store
from engine.store.base import AttemptResult, ClaimedStep
from engine.store.postgres import search as pg_search
from engine.store.sqlite import search as sqlite_search
from engine.store.sqlite.search import NO_FTS_NOTE
from tests.store.support import T0, plan

STEPS = {"reserve": (), "process_payment": ("reserve",)}


def declined(claimed: ClaimedStep, code: str, message: str) -> AttemptResult:
    error = StepError(ErrorType.PERMANENT_ERROR, message, error_code=code, retryable=False)
    policy = retry.RetryPolicy.from_json(claimed.retry_policy)
    decision = lifecycle.decide(claimed.attempts, Outcome.failure(error), policy, T0)
    return AttemptResult(claimed.step_uuid, claimed.run_count, decision)


async def order(store: Store, email: str, **extra: Any) -> str:
    context = {"customer": {"email": email}, "items": [{"sku": "SKU-RED-42"}], **extra}
    task_uuid, _ = await store.create_task(plan(STEPS, context=context), T0)
    return task_uuid


async def fail_payment(store: Store, code: str, message: str) -> None:
    """Run every ready step: reserve succeeds, process_payment fails with ``code``."""
    from tests.store.support import success

    while claimed := await store.claim_ready("w", T0, 10, 30_000):
        results = [
            success(c) if c.name == "reserve" else declined(c, code, message) for c in claimed
        ]
        await store.finish_attempts(results, T0, "w")


async def search(store: Store, text: str) -> dict[str, Any]:
    return await store.search_tasks(parse(text), 100)


def uuids(found: dict[str, Any]) -> set[str]:
    return {row["task_uuid"] for row in found["tasks"]}


async def test_a_customer_email_finds_the_order_and_says_the_field(store: Store) -> None:
    alice = await order(store, "alice@example.com")
    await order(store, "bob@example.com")

    found = await search(store, "alice@example")

    assert uuids(found) == {alice} and found["total"] == 1
    assert found["tasks"][0]["matched"] == "ctx.customer.email"
    by_path = await search(store, "ctx.customer.email:ALICE@example.com")
    assert uuids(by_path) == {alice}
    assert uuids(await search(store, "ctx.items.sku:sku-red")) == uuids(await search(store, "sku"))
    assert (await search(store, "ctx.customer.email:carol"))["total"] == 0


async def test_error_codes_steps_and_messages_find_failed_tasks(store: Store) -> None:
    declined_one = await order(store, "a@example.com")
    await fail_payment(store, "PAYMENT_DECLINED", "card declined by issuer")
    await order(store, "b@example.com")  # created after: still pending, no error

    by_code = await search(store, "code:payment_declined")
    assert uuids(by_code) == {declined_one}
    assert by_code["tasks"][0]["matched"] == "code"
    assert uuids(await search(store, "step:process_payment")) == {declined_one}
    by_message = await search(store, "issuer")
    assert uuids(by_message) == {declined_one}
    assert by_message["tasks"][0]["matched"] == "error"
    assert (await search(store, "code:GATEWAY_TIMEOUT"))["total"] == 0
    assert uuids(await search(store, "state:blocked code:PAYMENT_DECLINED")) == {declined_one}
    assert (await search(store, "state:pending code:PAYMENT_DECLINED"))["total"] == 0


async def test_a_cleared_error_leaves_the_index(store: Store) -> None:
    task = await order(store, "a@example.com")
    await fail_payment(store, "PAYMENT_DECLINED", "card declined")
    assert (await search(store, "code:PAYMENT_DECLINED"))["total"] == 1

    await store.step_action(task, "process_payment", "resolve", T0, "alice", "refunded")

    assert (await search(store, "code:PAYMENT_DECLINED"))["total"] == 0
    assert (await search(store, "a@example.com"))["total"] == 1  # the context stays


async def test_the_count_is_every_match_not_the_rows_returned(store: Store) -> None:
    for n in range(5):
        await order(store, f"shopper{n}@example.com")
    await order(store, "other@elsewhere.org")

    found = await store.search_tasks(parse("example.com"), 2)

    assert found["total"] == 5 and len(found["tasks"]) == 2
    created = [row["created_at"] for row in found["tasks"]]
    assert created == sorted(created, reverse=True)


async def test_bare_state_words_names_and_short_words(store: Store) -> None:
    task = await order(store, "x@ex.io")

    assert uuids(await search(store, "pending")) == {task}
    assert (await search(store, "pending"))["tasks"][0]["matched"] == "state"
    assert uuids(await search(store, "by_hand")) == {task}  # the template's name
    assert (await search(store, task[:8]))["tasks"][0]["matched"] == "id"
    assert (await search(store, "tests"))["tasks"][0]["matched"] == "initiator"
    assert uuids(await search(store, "io")) == {task}  # shorter than a trigram: scanned
    assert (await search(store, "blocked"))["total"] == 0


async def test_secrets_cannot_be_found_by_their_contents(store: Store) -> None:
    token = "tok_live_9f8e7d6c5b4a"
    card = "4242 4242 4242 4242"
    await order(store, "s@example.com", api_token=token, note=f"pay with {card}")
    await fail_payment(store, "GATEWAY_ERROR", f"gateway refused token {token}")

    assert (await search(store, "9f8e7d6c"))["total"] == 0
    assert (await search(store, "ctx.api_token:tok"))["total"] == 0
    assert (await search(store, '"4242 4242"'))["total"] == 0
    assert (await search(store, "ctx.note:4242"))["total"] == 1  # its last four show, as here
    assert (await search(store, "gateway refused"))["total"] == 1  # the rest of it is found


async def test_a_changed_context_is_indexed_in_place_of_the_old(db: str | Path) -> None:
    """``reindex_task`` (for a writer that changes a context): the old values are gone."""
    opened = await open_store(str(db))
    try:
        task = await order(opened, "old@example.com")
        await fail_payment(opened, "PAYMENT_DECLINED", "declined")
        context = {"customer": {"email": "new@example.com"}}
        if is_postgres(str(db)):
            async with await psycopg.AsyncConnection.connect(str(db), row_factory=dict_row) as conn:
                await pg_search.reindex_task(pg_search._Upgrade(conn), task, context, "tests")
                await conn.commit()
        else:
            with sqlite3.connect(str(db)) as cx:
                sqlite_search.reindex_task(cx, task, context, "tests")
        assert (await search(opened, "old@example.com"))["total"] == 0
        assert uuids(await search(opened, "new@example.com")) == {task}
        assert uuids(await search(opened, "code:PAYMENT_DECLINED")) == {task}  # errors stay
    finally:
        await opened.close()


async def test_without_fts5_the_search_scans_and_says_so(tmp_path: Path) -> None:
    """A database whose SQLite lacks FTS5 (its upgrade made no search_text): same answers."""
    path = tmp_path / "nofts.db"
    opened = await open_store(str(path))
    try:
        task = await order(opened, "plain@example.com")
        with sqlite3.connect(path) as cx:
            for trigger in ("search_terms_added", "search_terms_removed"):
                cx.execute(f"DROP TRIGGER {trigger}")
            cx.execute("DROP TABLE search_text")
        found = await search(opened, "plain@example")
        assert uuids(found) == {task} and found["note"] == NO_FTS_NOTE
        assert found["tasks"][0]["matched"] == "ctx.customer.email"
    finally:
        await opened.close()
