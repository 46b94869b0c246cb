"""Steps created while a task runs, as pure functions: decision segments, created sets,
declared ∩ created dependencies, nested decisions, batch clones, failure strategies, checkpoints.
"""

from __future__ import annotations

import pytest

from engine import batches, decisions, dynamic, expansion, lifecycle, plan
from engine.decisions import InvalidOutcome
from engine.expansion import ExistingStep
from engine.outcomes import ErrorType, Outcome, StepError
from engine.states import StepState as S
from engine.templates import TaskTemplate, load_template, load_template_text
from tests.external import CORPUS

APPROVAL = (
    "tasker-core__tests__fixtures__task_templates__python__conditional_approval_handler_py.yaml"
)
DIAMOND_BATCH = "tasker-core__tests__fixtures__task_templates__rust__diamond_decision_batch.yaml"

NESTED = """\
name: nested
namespace_name: tests
version: 1.0.0
steps:
  - {name: start, handler: {callable: h}}
  - {name: outer, type: decision, dependencies: [start], handler: {callable: d}}
  - {name: left, dependencies: [outer], handler: {callable: h}}
  - {name: inner, type: decision, dependencies: [outer], handler: {callable: d}}
  - {name: deep_a, dependencies: [inner], handler: {callable: h}}
  - {name: deep_b, dependencies: [inner], handler: {callable: h}}
  - {name: join, type: deferred_convergence, dependencies: [left, deep_a, deep_b],
     handler: {callable: h}}
  - {name: after_join, dependencies: [join], handler: {callable: h}}
"""

BATCH = """\
name: csv
namespace_name: tests
version: 1.0.0
steps:
  - {name: analyze, type: batchable, handler: {callable: a}}
  - {name: worker, type: batch_worker, dependencies: [analyze], handler: {callable: w},
     batch_config: {worker_template: worker, failure_strategy: isolate, cursor_field: row}}
  - {name: aggregate, type: deferred_convergence, dependencies: [worker], handler: {callable: g}}
  - {name: report, dependencies: [aggregate], handler: {callable: r}}
"""


def corpus(name: str) -> TaskTemplate:
    return load_template(CORPUS.file(name)).template


def text(body: str) -> TaskTemplate:
    return load_template_text(body).template


def rows(*specs: tuple[str, S] | tuple[str, S, tuple[str, ...]] | str) -> list[ExistingStep]:
    out = []
    for spec in specs:
        if isinstance(spec, str):
            out.append(ExistingStep(spec, spec, S.COMPLETE))
        else:
            name, state, *deps = spec
            out.append(ExistingStep(name, name, state, tuple(deps[0]) if deps else ()))
    return out


def route(*names: str) -> dict:
    return {decisions.OUTCOME_KEY: {"type": "create_steps", "step_names": list(names)}}


def test_approval_starts_with_validate_and_the_decision_only() -> None:
    template = corpus(APPROVAL)
    made = plan.task_plan(template, {}, "h", now_ms=0)
    assert [s.name for s in made.steps] == ["validate_request_py", "routing_decision_py"]
    assert made.steps[1].dependencies == ("validate_request_py",)


def test_a_decision_may_name_its_branches_and_the_convergence_follows() -> None:
    template = corpus(APPROVAL)
    assert expansion.segment(template, "routing_decision_py") == [
        "finalize_approval_py",
        "auto_approve_py",
        "manager_approval_py",
        "finance_review_py",
    ]
    done = rows("validate_request_py", "routing_decision_py")
    grown = dynamic.expansion_after(
        template, done, "routing_decision_py", route("manager_approval_py", "finance_review_py")
    )
    made = {s.name: s.dependencies for s in grown.created}
    # finalize is created with the branches; its dependencies are declared ∩ created.
    assert made == {
        "finalize_approval_py": ("manager_approval_py", "finance_review_py"),
        "manager_approval_py": ("routing_decision_py",),
        "finance_review_py": ("routing_decision_py",),
    }
    assert grown.rewired == {}


def test_no_branches_creates_nothing() -> None:
    template = corpus(APPROVAL)
    done = rows("validate_request_py", "routing_decision_py")
    skip = {decisions.OUTCOME_KEY: {"type": "no_branches"}}
    assert dynamic.expansion_after(template, done, "routing_decision_py", skip).empty


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["refund_everything"], "which is not a step of template"),
        (["validate_request_py"], "which is not one of its branches"),
    ],
)
def test_a_decision_naming_a_step_it_may_not_create_is_refused(
    names: list[str], message: str
) -> None:
    template = corpus(APPROVAL)
    decision = template.step("routing_decision_py")
    checked = dynamic.checked_outcome(template, decision, Outcome.success(route(*names)))
    assert checked.error is not None and not checked.error.retryable
    assert checked.error.error_type == ErrorType.PERMANENT_ERROR
    assert checked.error.error_code == "invalid_decision"
    assert message in checked.error.message and "it may create: finalize_approval_py" in (
        checked.error.message
    )


def test_a_decision_without_an_outcome_is_refused() -> None:
    template = corpus(APPROVAL)
    decision = template.step("routing_decision_py")
    checked = dynamic.checked_outcome(template, decision, Outcome.success({"approved": True}))
    assert checked.error is not None and "returned no decision_point_outcome" in (
        checked.error.message
    )


def test_nested_decisions_keep_the_join_waiting_for_what_may_still_come() -> None:
    template = text(NESTED)
    assert expansion.segment(template, "outer") == ["left", "inner", "join", "after_join"]
    assert expansion.segment(template, "inner") == ["deep_a", "deep_b", "join", "after_join"]
    first = dynamic.expansion_after(
        template, rows("start", "outer"), "outer", route("left", "inner")
    )
    made = {s.name: s.dependencies for s in first.created}
    # inner is still open, so join waits for deep_a and deep_b too (they may come).
    assert made == {
        "left": ("outer",),
        "inner": ("outer",),
        "join": ("left", "deep_a", "deep_b"),
        "after_join": ("join",),
    }
    now = [
        *rows("start", "outer", "left", "inner"),
        ExistingStep("join", "join", S.PENDING, made["join"]),
        ExistingStep("after_join", "after_join", S.PENDING, ("join",)),
    ]
    second = dynamic.expansion_after(template, now, "inner", route("deep_b"))
    assert [s.name for s in second.created] == ["deep_b"]
    # deep_a will never exist now: join stops waiting for it.
    assert second.rewired == {"join": ("left", "deep_b")}


def test_a_step_created_before_a_convergence_waits_for_it() -> None:
    template = text(BATCH)
    made = plan.task_plan(template, {}, "h", now_ms=0)
    # report hangs off a convergence that only the batch creates: it waits for its name.
    assert {s.name: s.dependencies for s in made.steps} == {
        "analyze": (),
        "report": ("aggregate",),
    }


def test_batches_clone_the_worker_and_create_the_convergence() -> None:
    template = text(BATCH)
    outcome = {
        batches.OUTCOME_KEY: {
            "type": "create_batches",
            "worker_template_name": "worker",
            "worker_count": 3,
            "total_items": 25,
            "cursor_configs": [
                {"batch_id": "001", "start_cursor": 0, "end_cursor": 10, "batch_size": 10},
                {"batch_id": "002", "start_cursor": 10, "end_cursor": 20, "batch_size": 10},
                {"batch_id": "003", "start_cursor": 20, "end_cursor": 25, "batch_size": 5},
            ],
        }
    }
    current = [
        ExistingStep("analyze", "analyze", S.COMPLETE),
        ExistingStep("report", "report", S.PENDING, ("aggregate",)),
    ]
    grown = dynamic.expansion_after(template, current, "analyze", outcome)
    made = {s.name: s for s in grown.created}
    assert list(made) == ["worker_001", "worker_002", "worker_003", "aggregate"]
    assert made["worker_002"].dependencies == ("analyze",)
    assert made["worker_002"].inputs == {
        "cursor": {"batch_id": "002", "start_cursor": 10, "end_cursor": 20, "batch_size": 10},
        "batch_metadata": {"cursor_field": "row", "failure_strategy": "isolate"},
        "is_no_op": False,
        "parallelism": 10,
    }
    assert made["worker_003"].failure_strategy == "isolate"
    assert made["aggregate"].dependencies == ("worker_001", "worker_002", "worker_003")
    assert grown.rewired == {}


def test_no_batches_makes_no_worker_and_links_convergence_to_the_analyzer() -> None:
    template = text(BATCH)
    grown = dynamic.expansion_after(
        template,
        [
            ExistingStep("analyze", "analyze", S.COMPLETE),
            ExistingStep("report", "report", S.PENDING, ("aggregate",)),
        ],
        "analyze",
        {batches.OUTCOME_KEY: {"type": "no_batches"}},
    )
    made = {s.name: s for s in grown.created}
    assert list(made) == ["aggregate"]
    assert made["aggregate"].dependencies == ("analyze",)


def test_a_batch_outcome_naming_a_wrong_worker_is_refused() -> None:
    template = text(BATCH)
    outcome = Outcome.success(
        {
            batches.OUTCOME_KEY: {
                "type": "create_batches",
                "worker_template_name": "aggregate",
                "cursor_configs": [{"batch_id": "001", "start_cursor": 0, "end_cursor": 1}],
            }
        }
    )
    checked = dynamic.checked_outcome(template, template.step("analyze"), outcome)
    assert checked.error is not None and checked.error.error_code == "invalid_batch_outcome"
    assert "use one of: worker" in checked.error.message


def test_decision_then_batch_in_the_combined_corpus_template() -> None:
    template = corpus(DIAMOND_BATCH)
    names = [s.name for s in plan.task_plan(template, {}, "h", now_ms=0).steps]
    assert names == ["ddb_diamond_start", "branch_evens", "branch_odds", "ddb_routing_decision"]
    done = rows(*names)
    grown = dynamic.expansion_after(
        template, done, "ddb_routing_decision", route("even_batch_analyzer")
    )
    # the analyzer is a creator: its workers and convergence wait for its own outcome.
    assert [s.name for s in grown.created] == ["even_batch_analyzer"]
    after = [*done, ExistingStep("even_batch_analyzer", "even_batch_analyzer")]
    possible = expansion.possible_later(template, after)
    assert "process_even_batch" in possible  # the open analyzer may still clone it
    assert "odd_batch_analyzer" not in possible  # the branch not taken: nothing creates it
    assert "aggregate_odd_results" not in possible
    assert "ddb_routing_decision" not in possible  # it exists already


def test_continue_on_failure_completes_a_failed_worker_with_its_failure() -> None:
    error = StepError(ErrorType.PERMANENT_ERROR, "row 7 is malformed", retryable=False)
    failed = lifecycle.Decision(S.ERROR, "permanent_error: permanent failure", error=error)
    inputs = {"cursor": {"batch_id": "002", "batch_size": 10}}
    kept = batches.with_failure_strategy(
        failed, "continue_on_failure", inputs, {"items_processed": 4}
    )
    assert kept.to_state is S.COMPLETE and kept.error is error
    assert kept.results is not None
    assert kept.results["batch_failed"] is True and kept.results["items_failed"] == 6
    for strategy in ("fail_fast", "isolate", None):
        assert batches.with_failure_strategy(failed, strategy, inputs, None) is failed


def test_checkpoint_records_keep_history_and_detect_a_stall() -> None:
    first = batches.checkpoint_record(None, {"cursor": 25, "items_processed": 25}, 1000)
    second = batches.checkpoint_record(
        first, {"cursor": 50, "items_processed": 50, "accumulated_results": {"sum": 3}}, 2000
    )
    assert second["cursor"] == 50 and second["accumulated_results"] == {"sum": 3}
    assert [h["cursor"] for h in second["history"]] == [25, 50]
    assert not batches.stalled(first, second)
    assert batches.stalled(
        second, batches.checkpoint_record(second, {"cursor": 50, "items_processed": 50}, 3000)
    )


def test_read_outcome_errors_are_one_line() -> None:
    with pytest.raises(InvalidOutcome, match="of type 'sideways'"):
        decisions.read_outcome("d", {decisions.OUTCOME_KEY: {"type": "sideways"}})
    with pytest.raises(InvalidOutcome, match="returned no batch_processing_outcome"):
        batches.read_outcome("a", {"rows": 3})
