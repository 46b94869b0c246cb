"""The pure graph functions the scheduler, the console and the loader share."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from engine import dag
from engine.templates import load_template, load_template_text

FULL = (
    Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "valid" / "full_featured.yaml"
)
DIAMOND = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}


def test_no_cycle_in_a_dag() -> None:
    assert dag.find_cycle(DIAMOND) is None
    assert dag.find_cycle({}) is None


def test_a_cycle_is_returned_in_dependency_order() -> None:
    cycle = dag.find_cycle({"a": ["c"], "b": ["a"], "c": ["b"], "d": ["c"]})
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) == 4
    assert set(cycle) == {"a", "b", "c"}
    deps = {"a": ["c"], "b": ["a"], "c": ["b"]}
    for before, after in pairwise(cycle):
        assert before in deps[after], f"{after} should depend on {before}"


def test_self_and_two_step_cycles() -> None:
    assert dag.find_cycle({"a": ["a"]}) == ["a", "a"]
    assert dag.find_cycle({"a": ["b"], "b": ["a"]}) in (["a", "b", "a"], ["b", "a", "b"])


def test_dependencies_on_unknown_names_are_not_cycles() -> None:
    assert dag.find_cycle({"a": ["ghost"], "b": ["a", "ghost"]}) is None


def test_a_long_chain_needs_no_recursion() -> None:
    chain = {f"s{i}": [f"s{i - 1}"] if i else [] for i in range(5000)}
    assert dag.find_cycle(chain) is None
    assert len(dag.topological_layers(chain)) == 5000
    assert len(dag.ancestors(chain, "s4999")) == 4999


def test_layers_follow_the_deepest_dependency_and_declaration_order() -> None:
    deps = {"d": ["b", "c"], "c": ["a"], "b": ["a"], "a": [], "e": [], "f": ["a", "d"]}
    assert dag.topological_layers(deps) == [["a", "e"], ["c", "b"], ["d"], ["f"]]


def test_layers_leave_out_cycles_and_what_follows_them() -> None:
    deps = {"a": [], "b": ["c"], "c": ["b"], "d": ["b"], "e": ["a", "ghost"]}
    assert dag.topological_layers(deps) == [["a"], ["e"]]


def test_repeated_dependencies_count_once() -> None:
    assert dag.topological_layers({"a": [], "b": ["a", "a"]}) == [["a"], ["b"]]


def test_ancestors_and_descendants() -> None:
    assert dag.ancestors(DIAMOND, "d") == {"a", "b", "c"}
    assert dag.ancestors(DIAMOND, "a") == set()
    assert dag.descendants(DIAMOND, "a") == {"b", "c", "d"}
    assert dag.descendants(DIAMOND, "b") == {"d"}
    assert dag.descendants(DIAMOND, "d") == set()
    assert dag.ancestors(DIAMOND, "unknown") == set()


def test_children_in_declaration_order() -> None:
    assert dag.children(DIAMOND) == {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}


def test_initial_steps_skip_decision_descendants_workers_and_convergence() -> None:
    template = load_template(FULL).template
    # route is a decision: split_shipments, ship_batch and confirm come after it;
    # audit hangs off validate_order and starts with the task.
    assert dag.initial_step_names(template) == ["validate_order", "charge", "route", "audit"]


def test_initial_steps_of_a_batch_template() -> None:
    text = """\
name: csv
namespace_name: batches
version: 1.0.0
steps:
  - {name: analyze, type: batchable, handler: {callable: a}}
  - {name: worker, type: batch_worker, dependencies: [analyze], handler: {callable: w},
     batch_config: {worker_template: worker}}
  - {name: aggregate, type: deferred_convergence, dependencies: [worker], handler: {callable: g}}
"""
    assert dag.initial_step_names(load_template_text(text).template) == ["analyze"]


def test_initial_steps_of_a_plain_template_are_all_steps() -> None:
    text = """\
name: c
namespace_name: s
version: 1.0.0
steps:
  - {name: b, handler: {callable: h}, dependencies: [a]}
  - {name: a, handler: {callable: h}}
"""
    assert dag.initial_step_names(load_template_text(text).template) == ["b", "a"]
