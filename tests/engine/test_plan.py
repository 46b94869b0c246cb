"""Planning a task: what a template's tasks share is worked out once per template, and no plan
shares anything it could change with another."""

from __future__ import annotations

from pathlib import Path

from engine import plan
from engine.templates import load_template

BENCH_CHAIN = Path(__file__).parents[2] / "bench" / "templates" / "chain5.yaml"


def test_plans_of_one_template_are_alike_apart_from_their_uuids_and_context() -> None:
    template = load_template(BENCH_CHAIN).template
    first = plan.task_plan(template, {"n": 1}, "h1", now_ms=1_000)
    second = plan.task_plan(template, {"n": 2}, "h2", now_ms=2_000)
    assert first.template_id == second.template_id == plan.template_definition(template)[0]
    assert [s.name for s in first.steps] == [s.name for s in second.steps]
    assert [s.dependencies for s in first.steps] == [s.dependencies for s in second.steps]
    assert {s.step_uuid for s in first.steps}.isdisjoint(s.step_uuid for s in second.steps)
    assert first.task_uuid != second.task_uuid
    assert (first.context, second.context) == ({"n": 1}, {"n": 2})
    first.steps[0].retry_policy["max_attempts"] = 99  # one plan's change stays in that plan
    third = plan.task_plan(template, {"n": 3}, "h3", now_ms=3_000)
    assert (
        second.steps[0].retry_policy["max_attempts"]
        == third.steps[0].retry_policy["max_attempts"]
        == template.steps[0].retry.max_attempts
    )


def test_a_changed_copy_of_a_template_is_planned_from_its_own_steps() -> None:
    template = load_template(BENCH_CHAIN).template
    plan.task_plan(template, {}, "h", now_ms=0)  # the original's shape is remembered
    shorter = template.model_copy(update={"steps": template.steps[:2]})
    made = plan.task_plan(shorter, {}, "h", now_ms=0)
    assert [s.name for s in made.steps] == [s.name for s in template.steps[:2]]
    assert made.template_id != plan.task_plan(template, {}, "h", now_ms=0).template_id
