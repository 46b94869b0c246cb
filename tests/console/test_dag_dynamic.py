"""The DAG pane for steps created at run time: steps not created yet are dimmed, branches a
decision skipped are struck through, batch clones fold into one box that ``e`` unfolds.
The drawing as pure functions, then the real console over tasks the real engine ran."""

from __future__ import annotations

from pathlib import Path

from console.app import ConsoleApp
from console.dag_dynamic import SKIPPED, dynamic_view
from console.dag_render import dag_picture
from console.formatting import NOT_CREATED
from console.widgets.dag_view import DagView
from console.widgets.steps_table import StepsTable
from engine.api import Engine
from tests.console.support import console, key_values, loaded, select_step, select_task, until

APPROVAL = [
    ("validate_request", []),
    ("routing_decision", ["validate_request"]),
    ("auto_approve", ["routing_decision"]),
    ("manager_approval", ["routing_decision"]),
    ("finance_review", ["routing_decision"]),
    ("finalize_approval", ["auto_approve", "manager_approval", "finance_review"]),
]


def test_before_the_decision_every_branch_is_not_created_yet() -> None:
    states = {"validate_request": "complete", "routing_decision": "in_progress"}
    view = dynamic_view(APPROVAL, {n: states.get(n, NOT_CREATED) for n, _ in APPROVAL})
    assert [view.states[n] for n, _ in APPROVAL][2:] == [NOT_CREATED] * 4
    plain = dag_picture(view.steps, view.states, labels=view.labels).plain()
    assert "[◌ auto_approve]" in plain and "[◌ finalize_approval]" in plain


def test_after_the_decision_the_branch_not_taken_is_skipped() -> None:
    created = {
        "validate_request": "complete",
        "routing_decision": "complete",
        "manager_approval": "complete",
        "finance_review": "in_progress",
        "finalize_approval": "pending",
    }
    steps = [
        (n, ["manager_approval", "finance_review"] if n == "finalize_approval" else d)
        for n, d in APPROVAL
    ]
    view = dynamic_view(steps, {n: created.get(n, NOT_CREATED) for n, _ in steps})
    assert view.states["auto_approve"] == SKIPPED
    assert view.states["finance_review"] == "in_progress"
    plain = dag_picture(view.steps, view.states, labels=view.labels).plain()
    assert "[– auto_approve]" in plain and "[▶ finance_review]" in plain


BATCH_STEPS = [
    ("analyze_csv", []),
    ("process_csv_batch", ["analyze_csv"]),
    ("aggregate_inventory", [f"process_csv_batch_00{i}" for i in range(1, 5)]),
    *[(f"process_csv_batch_00{i}", ["analyze_csv"]) for i in range(1, 5)],
]
BATCH_STATES = {
    "analyze_csv": "complete",
    "process_csv_batch": NOT_CREATED,
    "aggregate_inventory": "pending",
    "process_csv_batch_001": "complete",
    "process_csv_batch_002": "complete",
    "process_csv_batch_003": "in_progress",
    "process_csv_batch_004": "pending",
}
BATCH_TEMPLATE_OF = {f"process_csv_batch_00{i}": "process_csv_batch" for i in range(1, 5)}


def test_batch_clones_fold_into_one_box_with_their_progress() -> None:
    view = dynamic_view(BATCH_STEPS, BATCH_STATES, template_of=BATCH_TEMPLATE_OF)
    assert view.steps == [
        ("analyze_csv", []),
        ("process_csv_batch", ["analyze_csv"]),
        ("aggregate_inventory", ["process_csv_batch"]),
    ]
    assert view.states["process_csv_batch"] == "in_progress"
    assert view.labels["process_csv_batch"] == "process_csv_batch ×4 2/4"
    assert view.shown_as("process_csv_batch_003") == "process_csv_batch"
    picture = dag_picture(view.steps, view.states, "process_csv_batch", view.labels)
    assert "[▶ process_csv_batch ×4 2/4]" in picture.plain()


def test_an_expanded_batch_shows_every_clone_wired_to_the_convergence() -> None:
    view = dynamic_view(BATCH_STEPS, BATCH_STATES, expanded=True, template_of=BATCH_TEMPLATE_OF)
    names = [n for n, _ in view.steps]
    assert "process_csv_batch" not in names
    assert names[-4:] == [f"process_csv_batch_00{i}" for i in range(1, 5)]
    assert dict(view.steps)["aggregate_inventory"] == [
        f"process_csv_batch_00{i}" for i in range(1, 5)
    ]
    # selecting one clone unfolds its batch too
    chosen = dynamic_view(
        BATCH_STEPS, BATCH_STATES, selected="process_csv_batch_002", template_of=BATCH_TEMPLATE_OF
    )
    assert chosen.folded == frozenset()


def dag_text(app: ConsoleApp) -> str:
    picture = app.screen.query_one(DagView).picture
    return picture.plain() if picture else ""


async def test_the_console_draws_a_decision_and_a_batch_the_engine_ran(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    approval = await fresh_engine.create_task(
        "conditional_approval",
        "approvals",
        {"request_id": "EXP-7", "amount": 2500, "requester": "ada", "purpose": "desk"},
    )
    batch = await fresh_engine.create_task("csv_import", "inventory", {"batch_size": 30})
    await fresh_engine.run_until_idle()
    app = console(fresh_engine)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await select_task(pilot, approval.task["task_uuid"])
        await until(pilot, lambda: "manager_approval" in dag_text(app), "the approval's DAG")
        text = dag_text(app)
        assert "[✓ manager_approval]" in text
        assert "[– auto_approve]" in text and "[– finance_review]" in text

        await select_task(pilot, batch.task["task_uuid"])
        await until(pilot, lambda: "process_csv_batch ×4" in dag_text(app), "the batch group")
        assert "process_csv_batch_001" not in dag_text(app)
        rows = key_values(app.screen.query_one(StepsTable).rows)
        assert "process_csv_batch" not in rows, "a worker template is not a step of its own"
        assert [r for r in rows if r.startswith("process_csv_batch_")] == [
            f"process_csv_batch_00{n}" for n in range(1, 5)
        ]
        joins = rows.index("aggregate_inventory")
        assert rows.index("process_csv_batch_004") < joins, "clones before the step joining them"
        app.screen.query_one(DagView).focus()
        await pilot.press("e")
        await until(pilot, lambda: "process_csv_batch_004" in dag_text(app), "the clones")
        assert "×4" not in dag_text(app)
        await pilot.press("e")
        await until(pilot, lambda: "process_csv_batch ×4" in dag_text(app), "the folded group")
        await select_step(pilot, "process_csv_batch_002")
        await until(pilot, lambda: "[✓ process_csv_batch_002]" in dag_text(app), "one clone")
