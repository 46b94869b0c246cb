"""Tasker's own end-to-end scenarios, run through this project's CLI and a real worker process.

The templates are Tasker's (the corpus); the handlers are the example handlers shipped with
Tasker's unit tests, loaded unchanged with ``--handlers``. What is checked is what Tasker's
end-to-end tests check: checkpoint-yield workers resume from their checkpoints (typed
``get_batch_worker_inputs().cursor``), a ``no_batches`` analyzer creates no batch worker and
the convergence step still runs, and ``handler.method`` dispatches to the named method (a
``@step_handler`` function, having no other method, runs as itself).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stdout
from dataclasses import dataclass
from typing import Any

import pytest

from engine.cli import main
from tests.external import CORPUS, REPOSITORY, UPSTREAM_TESTS

PREFIX = "tasker-core__tests__fixtures__task_templates__python__"
TEMPLATES = [
    "checkpoint_yield_test.yaml",
    "checkpoint_yield_test_dsl.yaml",
    "method_dispatch_py.yaml",
    "method_dispatch_dsl_py.yaml",
]
HANDLER_MODULES = [
    "tests.handlers.examples.checkpoint_yield_handlers",
    "tests.handlers.dsl_examples.checkpoint_yield_handlers",
    "tests.handlers.examples.resolver_tests_handlers",
    "tests.handlers.dsl_examples.resolver_tests_handlers",
]
CHECKPOINT = ("python_e2e_checkpoint_yield", "checkpoint_yield_test")
CHECKPOINT_DSL = ("python_e2e_checkpoint_yield", "checkpoint_yield_test_dsl")
REFUND = {"data": {"amount": 100, "reason": "duplicate"}}


@dataclass(frozen=True)
class Scenario:
    key: str
    namespace: str
    name: str
    context: dict[str, Any]


SCENARIOS = [
    Scenario("checkpoints", *CHECKPOINT, {"total_items": 100, "items_per_checkpoint": 25}),
    Scenario(
        "resume_after_transient_failure",
        *CHECKPOINT,
        {"total_items": 100, "items_per_checkpoint": 20, "fail_after_items": 50},
    ),
    Scenario("no_batches", *CHECKPOINT, {"total_items": 0}),
    Scenario("checkpoints_dsl", *CHECKPOINT_DSL, {"total_items": 60, "items_per_checkpoint": 25}),
    Scenario("no_batches_dsl", *CHECKPOINT_DSL, {"total_items": 0}),
    Scenario("method_dispatch", "resolver_tests_py", "method_dispatch_py", REFUND),
    Scenario("method_dispatch_dsl", "resolver_tests_dsl_py", "method_dispatch_dsl_py", REFUND),
]


def cli(*args: str) -> str:
    """Run a CLI command in this process (no handler is imported) and return its output."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every scenario's task, after one ``tasker worker --until-idle`` process ran them all."""
    work = tmp_path_factory.mktemp("e2e")
    shutil.copytree(
        UPSTREAM_TESTS.path(), work / "tests", ignore=shutil.ignore_patterns("__pycache__")
    )
    (work / "templates").mkdir()
    for name in TEMPLATES:
        shutil.copy(CORPUS.file(PREFIX + name), work / "templates" / name)
    db = str(work / "e2e.db")
    common = ["--db", db, "--templates", str(work / "templates")]
    uuids = {}
    with pytest.MonkeyPatch.context() as env:
        env.delenv("TASKER_HANDLER_MODULES", raising=False)
        for each in SCENARIOS:
            made = cli(*common, "task", "create", each.name, "--namespace", each.namespace,
                       "--context", json.dumps(each.context), "--json")  # fmt: skip
            uuids[each.key] = json.loads(made)["task_uuid"]
    handlers = [arg for module in HANDLER_MODULES for arg in ("--handlers", module)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    # Tasker's handler modules are the package ``tests`` of the copy, so it comes first.
    environment["PYTHONPATH"] = os.pathsep.join([str(work), str(REPOSITORY)])
    done = subprocess.run(
        [sys.executable, "-m", "engine", *common, *handlers, "worker", "--until-idle", "--quiet"],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return {
        key: json.loads(cli(*common, "task", "get", uuid, "--json")) for key, uuid in uuids.items()
    }


def steps(task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in task["steps"]}


def test_every_scenario_completes(tasks: dict[str, dict[str, Any]]) -> None:
    assert {key: task["status"] for key, task in tasks.items()} == dict.fromkeys(
        [each.key for each in SCENARIOS], "complete"
    )


def test_a_checkpoint_yield_worker_resumes_until_done(tasks: dict[str, dict[str, Any]]) -> None:
    by_name = steps(tasks["checkpoints"])
    assert list(by_name) == ["analyze_items", "checkpoint_yield_batch_001", "aggregate_results"]
    worker = by_name["checkpoint_yield_batch_001"]
    assert worker["attempts"] == 1  # a checkpoint yield is not a retry
    total = by_name["aggregate_results"]["results"]
    assert (total["total_processed"], total["running_total"]) == (100, sum(range(1, 101)))
    assert total["checkpoints_used"] >= 3 and total["test_passed"] is True


def test_a_transient_failure_resumes_from_the_last_checkpoint(
    tasks: dict[str, dict[str, Any]],
) -> None:
    by_name = steps(tasks["resume_after_transient_failure"])
    worker = by_name["checkpoint_yield_batch_001"]
    assert worker["attempts"] == 2
    total = by_name["aggregate_results"]["results"]
    assert (total["total_processed"], total["running_total"]) == (100, sum(range(1, 101)))
    assert total["item_count"] == 100  # each item once: the retry began at the checkpoint


@pytest.mark.parametrize("key", ["no_batches", "no_batches_dsl"])
def test_no_batches_creates_no_batch_worker(key: str, tasks: dict[str, dict[str, Any]]) -> None:
    by_name = steps(tasks[key])
    assert len(by_name) == 2 and not any("_batch" in name for name in by_name)
    analyzer, aggregate = by_name.values()
    assert aggregate["dependencies"] == [analyzer["name"]]
    assert aggregate["results"]["scenario"] == "no_batches"


def test_the_dsl_checkpoint_worker_reads_typed_inputs(tasks: dict[str, dict[str, Any]]) -> None:
    workers = [s for name, s in steps(tasks["checkpoints_dsl"]).items() if "batch" in name]
    assert len(workers) == 1 and workers[0]["current_state"] == "complete"
    total = [s for name, s in steps(tasks["checkpoints_dsl"]).items() if "aggregate" in name]
    assert total[0]["results"]["total_processed"] == 60


def test_handler_method_dispatches_to_the_named_method(
    tasks: dict[str, dict[str, Any]],
) -> None:
    invoked = {
        n: s["results"]["invoked_method"] for n, s in steps(tasks["method_dispatch"]).items()
    }
    assert invoked == {
        "validate_step_py": "validate",
        "process_step_py": "process",
        "refund_step_py": "refund",
        "default_call_step_py": "call",
    }


def test_a_function_handler_runs_as_itself_whatever_the_method(
    tasks: dict[str, dict[str, Any]],
) -> None:
    by_name = steps(tasks["method_dispatch_dsl"])
    assert len(by_name) == 4
    assert {s["results"]["invoked_method"] for s in by_name.values()} == {"call"}
