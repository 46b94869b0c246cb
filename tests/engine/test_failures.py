"""The failures view's engine side on each backend: failed steps grouped by cause, the preview
of a bulk action, and bulk actions as one audited batch with an outcome per task."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from engine.api import Engine
from engine.failure_preview import preview
from engine.failures import Target, group_failures, select_targets
from tests.engine.support import CART

_orders = itertools.count(1)


async def _made(engine: Engine, script: dict, context: dict | None = None) -> str:
    """A new task (each its own order: equal contexts would be one task)."""
    context = {"script": script, "order": next(_orders), **(context or {})}
    return (await engine.create_task("flaky_chain", "testing", context)).task_uuid


def _group(groups: list[dict], code: str) -> dict:
    return next(g for g in groups if g["error_code"] == code)


async def test_failures_are_grouped_by_template_step_class_and_code(engine: Engine) -> None:
    declined = [await _made(engine, {"first": ["permanent"]}) for _ in range(2)]
    timeout = await _made(engine, {"first": ["retry"] * 3})
    late = await _made(engine, {"second": ["permanent"]}, {"card": CART["payment_token"]})
    await _made(engine, {})
    await engine.run_until_idle()

    groups = await engine.failures()
    assert [(g["step"], g["error_class"], g["error_code"], g["count"]) for g in groups] == [
        ("first", "PERMANENT", "card_declined", 2),
        ("first", "RETRYABLE", "gateway_timeout", 1),
        ("second", "PERMANENT", "card_declined", 1),
    ]
    first = _group(groups, "card_declined")
    assert {t["task_uuid"] for t in first["tasks"]} == set(declined)
    assert (first["namespace"], first["template"], first["retryable"]) == (
        "testing",
        "flaky_chain",
        "permanent",
    )
    assert first["exhausted"] == 0 and first["outstanding"] == 2
    assert first["oldest_at"] <= first["newest_at"]
    assert first["sample_message"] == "card declined" and first["sample_task"] in declined
    exhausted = _group(groups, "gateway_timeout")
    assert (exhausted["retryable"], exhausted["exhausted"]) == ("retryable", 1)
    assert exhausted["tasks"][0]["task_uuid"] == timeout
    assert groups[2]["tasks"][0]["task_uuid"] == late
    assert len({g["group"] for g in groups}) == 3

    await engine.resolve_step(timeout, "first", "paid by phone", by="ann")
    assert "gateway_timeout" not in {g["error_code"] for g in await engine.failures()}
    handled = _group(await engine.failures(include_handled=True), "gateway_timeout")
    assert (handled["count"], handled["outstanding"]) == (1, 0)
    assert handled["tasks"][0]["step_state"] == "resolved_manually"


async def test_a_sample_message_is_masked_with_its_tasks_secrets(engine: Engine) -> None:
    uuid = await _made(engine, {"first": ["leak"]}, {"payment_token": "tok_live_abcdefgh"})
    await engine.run_until_idle()
    task = await engine.get_task(uuid)
    assert task["steps"][0]["error"]["message"] == "token tok_live_abcdefgh declined"
    (group,) = await engine.failures()
    assert group["sample_message"] == "token •••• declined"


async def test_bulk_retry_is_previewed_then_done_as_one_audited_batch(
    engine: Engine, tmp_path: Path
) -> None:
    fixed = tmp_path / "fixed"
    uuids = [await _made(engine, {"first": [f"fixed_by:{fixed}"]}) for _ in range(3)]
    await engine.run_until_idle()
    (group,) = await engine.failures()
    targets = [Target(u, "first") for u in uuids]

    shown = await engine.failure_preview("retry", targets)
    assert shown["text"] == "retry first in 3 tasks; 0 running; 6 dependents will run after it"

    fixed.touch()
    progress: list[tuple[int, int]] = []
    batch = await engine.act_on_failures(
        "retry", targets, "config deployed", by="alice", on_progress=lambda *p: progress.append(p)
    )
    assert batch["counts"] == {"done": 3} and progress[-1] == (3, 3)
    audit = await engine.step_audit(uuids[0], "first")
    assert audit[-1]["by"] == "alice" and audit[-1]["metadata"]["action"] == "reset"
    assert audit[-1]["reason"] == f"config deployed [batch {batch['batch']}]"
    await engine.run_until_idle()
    assert {(await engine.get_task(u))["status"] for u in uuids} == {"complete"}
    assert await engine.failures() == []
    (handled,) = await engine.failures(include_handled=True)
    assert handled["group"] == group["group"] and handled["outstanding"] == 0


async def test_a_step_handled_meanwhile_is_reported_and_the_batch_goes_on(engine: Engine) -> None:
    uuids = [await _made(engine, {"first": ["permanent"]}) for _ in range(3)]
    await engine.run_until_idle()
    targets = [Target(u, "first") for u in uuids]
    await engine.resolve_step(uuids[1], "first", "someone was faster", by="bob")
    gone = Target("0" * 36, "first")
    batch = await engine.act_on_failures("give_up", [*targets, gone], "customer cancelled")
    outcomes = {o["task_uuid"]: o["outcome"] for o in batch["outcomes"]}
    assert outcomes == {uuids[0]: "done", uuids[1]: "handled", uuids[2]: "done", gone[0]: "lost"}
    statuses = [(await engine.get_task(u))["status"] for u in uuids]
    assert statuses[0] == statuses[2] == "error" and statuses[1] != "error"
    assert await engine.failures() == []


async def test_resolve_lets_dependents_run_and_bad_requests_are_one_line(engine: Engine) -> None:
    uuid = await _made(engine, {"first": ["permanent"]})
    await engine.run_until_idle()
    (group,) = await engine.failures()
    targets = select_targets(await _groups(engine), [group["group"][:4]])
    assert targets == [Target(uuid, "first")]
    assert (await engine.failure_preview("resolve", targets))["text"] == (
        "resolve first in 1 task; 0 running; 2 dependents will run after it"
    )
    with pytest.raises(ValueError, match="a bulk action needs a reason"):
        await engine.act_on_failures("resolve", targets, "  ")
    with pytest.raises(ValueError, match="unknown action 'undo'"):
        await engine.act_on_failures("undo", targets, "why")
    await engine.act_on_failures("resolve", targets, "shipped by hand")
    await engine.run_until_idle()
    assert (await engine.get_task(uuid))["status"] == "complete"


async def _groups(engine: Engine) -> list:
    return group_failures(await engine.store.failed_steps())


def test_a_preview_counts_running_steps_and_handled_ones_apart() -> None:
    def task(uuid: str, status: str, first: str) -> dict:
        steps = [
            {"name": "first", "current_state": first, "dependencies": []},
            {"name": "second", "current_state": "pending", "dependencies": ["first"]},
            {"name": "side", "current_state": "complete", "dependencies": ["first"]},
        ]
        return {"task_uuid": uuid, "status": status, "steps": steps}

    tasks = {
        "a": task("a", "blocked_by_failures", "error"),
        "b": task("b", "steps_in_process", "in_progress"),
        "c": task("c", "complete", "complete"),
        "d": task("d", "waiting_for_retry", "waiting_for_retry"),
    }
    targets = [Target(u, "first") for u in "abcd"]
    retry = preview("retry", targets, tasks)
    assert retry.text == (
        "retry first in 2 tasks; 1 running; 1 no longer failed; 2 dependents will run after it"
    )
    give_up = preview("give_up", targets, tasks)
    assert give_up.text == (
        "give up 1 task (first failed); 1 running; 2 not blocked (skipped); 1 dependent will not run"
    )
    with pytest.raises(ValueError, match="unknown action"):
        preview("undo", targets, tasks)


async def test_a_race_lost_to_another_operator_is_reported_not_fatal(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    uuids = [await _made(engine, {"first": ["permanent"]}) for _ in range(2)]
    await engine.run_until_idle()
    read = engine.store.get_task

    async def read_then_someone_resolves(uuid: str) -> dict:
        task = await read(uuid)
        if uuid == uuids[0]:  # between the batch's look and its write, bob resolves it
            await engine.store.step_action(uuid, "first", "resolve", 1, "bob", "faster")
        return task

    monkeypatch.setattr(engine.store, "get_task", read_then_someone_resolves)
    batch = await engine.act_on_failures("retry", [(u, "first") for u in uuids], "retry both")
    first, second = batch["outcomes"]
    assert (first["outcome"], second["outcome"]) == ("lost", "done")
    assert "reset-step needs a step in error" in first["detail"]
    assert batch["counts"] == {"lost": 1, "done": 1}
