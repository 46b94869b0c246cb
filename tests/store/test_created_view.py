"""A new task's view, worked out from its plan and claims, equals the rows read back after the
creating transaction: for every template of the Tasker corpus, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import identity, plan
from engine.store import Store, TaskPlan
from engine.store.created import created_view
from engine.templates import TaskTemplate
from engine.templates.loader import load_template
from tests.external import CORPUS, corpus_template_names
from tests.store.support import T0, template

BENCH = Path(__file__).resolve().parents[2] / "bench" / "templates"
WORKER = "worker-1"
LEASE = 30_000


def corpus() -> list[TaskTemplate]:
    folder = CORPUS.path()
    return [load_template(folder / name).template for name in corpus_template_names()]


def new_plan(source: TaskTemplate, now: int, context: dict | None = None) -> TaskPlan:
    key = identity.identity_hash(source.key, context or {}, "always_unique")
    return plan.task_plan(source, context or {}, key, now_ms=now, initiator="tests", reason="view")


async def claimed_at_creation(store: Store, made: TaskPlan, now: int, limit: int) -> set[str]:
    task_uuid, created, claimed = await store.create_and_claim(made, now, WORKER, limit, LEASE)
    assert created and task_uuid == made.task_uuid
    return {c.step_uuid for c in claimed if c.task_uuid == task_uuid}


async def test_every_corpus_template_s_new_task_shows_as_read_back(store: Store) -> None:
    templates = corpus()
    assert len(templates) == 170
    for n, source in enumerate(templates):
        now = T0 + n
        made = new_plan(source, now, {"n": n, "note": "é ✓"})
        mine = await claimed_at_creation(store, made, now, limit=100)
        assert mine, source.key  # every template has a root step to claim
        view = created_view(made, now, mine, WORKER, LEASE)
        assert view == await store.get_task(made.task_uuid), source.key


async def test_without_claims_the_new_task_shows_pending_and_ready(store: Store) -> None:
    for n, source in enumerate(corpus()[:40]):
        made = new_plan(source, T0 + n)
        task_uuid, created = await store.create_task(made, T0 + n)
        assert created
        view = created_view(made, T0 + n)
        assert view is not None and view["status"] == "pending"
        assert view["execution_status"] == "has_ready_steps"
        assert view == await store.get_task(task_uuid), source.key


async def test_a_claim_of_some_roots_shows_only_those_in_progress(store: Store) -> None:
    roots = template({"a": (), "b": (), "c": (), "d": ("a", "b", "c")})
    made = new_plan(roots, T0)
    mine = await claimed_at_creation(store, made, T0, limit=2)
    assert len(mine) == 2
    view = created_view(made, T0, mine, WORKER, LEASE)
    assert view is not None
    assert [s["current_state"] for s in view["steps"]].count("in_progress") == 2
    assert view == await store.get_task(made.task_uuid)


@pytest.mark.parametrize("name", ["chain5", "diamond4"])
async def test_the_bench_templates_show_as_read_back(store: Store, name: str) -> None:
    source = load_template(BENCH / f"{name}.yaml").template
    made = new_plan(source, T0)
    mine = await claimed_at_creation(store, made, T0, limit=4)
    assert created_view(made, T0, mine, WORKER, LEASE) == await store.get_task(made.task_uuid)


def test_a_template_without_steps_is_read_back_instead() -> None:
    made = new_plan(template({}), T0)
    assert created_view(made, T0) is None
