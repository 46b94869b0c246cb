"""``tasker template run-all``: every template of the Tasker corpus runs to complete with stub
handlers, decisions and batches included, in a real subprocess."""

from __future__ import annotations

import functools
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import main
from tests.external import CORPUS


def tasker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], tuple[list[dict], Path]]:
    """The corpus run once per module, started by the first test that asks (so that a missing
    corpus skips inside the test, folded into the locator's one line)."""

    @functools.cache
    def run() -> tuple[list[dict], Path]:
        folder = CORPUS.path()
        db = tmp_path_factory.mktemp("run_all") / "corpus.db"
        done = tasker("template", "run-all", str(folder), "--json", "--into", str(db))
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout), db

    return run


def by_file(runs: list[dict], fragment: str) -> dict:
    return next(r for r in runs if fragment in r["file"])


def test_all_170_corpus_templates_reach_complete(
    corpus_run: Callable[[], tuple[list[dict], Path]],
) -> None:
    runs, _ = corpus_run()
    assert len(runs) == 170 == len(list(CORPUS.path().glob("*.yaml")))
    assert {r["status"] for r in runs} == {"complete"}
    assert all(r["completed_steps"] == r["total_steps"] for r in runs)
    # The 11 keys that two files share ran once per file.
    assert len({r["file"] for r in runs}) == 170


def test_decisions_took_their_first_branch(
    corpus_run: Callable[[], tuple[list[dict], Path]],
) -> None:
    runs, _ = corpus_run()
    approval = by_file(runs, "python__conditional_approval_handler_py.yaml")
    assert list(approval["steps"]) == [
        "validate_request_py",
        "routing_decision_py",
        "finalize_approval_py",
        "auto_approve_py",
    ]
    combined = by_file(runs, "rust__diamond_decision_batch.yaml")
    assert set(combined["steps"]) == {
        "ddb_diamond_start",
        "branch_evens",
        "branch_odds",
        "ddb_routing_decision",
        "even_batch_analyzer",
        "process_even_batch_001",
        "process_even_batch_002",
        "aggregate_even_results",
    }


def test_batches_ran_two_workers_then_the_convergence(
    corpus_run: Callable[[], tuple[list[dict], Path]],
) -> None:
    runs, db = corpus_run()
    csv = by_file(runs, "python__batch_processing_py.yaml")
    assert list(csv["steps"]) == [
        "analyze_csv_py",
        "process_csv_batch_py_001",
        "process_csv_batch_py_002",
        "aggregate_csv_results_py",
    ]
    resumption = by_file(runs, "rust__batch_resumption_test.yaml")  # no convergence step
    assert list(resumption["steps"]) == [
        "analyze_dataset",
        "checkpoint_fail_batch_001",
        "checkpoint_fail_batch_002",
    ]
    cx = sqlite3.connect(db)
    deps = cx.execute(
        "SELECT dependencies FROM steps WHERE task_uuid = ? AND name = ?",
        (csv["task_uuid"], "aggregate_csv_results_py"),
    ).fetchone()[0]
    assert json.loads(deps) == ["process_csv_batch_py_001", "process_csv_batch_py_002"]


def test_one_line_per_template_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("conditional_approval_handler_py", "batch_processing_py"):
        source = CORPUS.file(f"tasker-core__tests__fixtures__task_templates__python__{name}.yaml")
        (folder / f"{name}.yaml").write_text(source.read_text())
    assert main(["template", "run-all", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("complete  csv_processing_py/csv_product_inventory_analyzer_py@1.0.0")
    assert "4/4 steps  batch_processing_py.yaml" in out[0]
    assert out[-1] == "2 templates: 2 complete"


def test_an_invalid_template_is_reported_and_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.yaml").write_text(
        "name: ok\nnamespace_name: t\nversion: 1.0.0\nsteps:\n  - {name: a, handler: {callable: h}}\n"
    )
    (tmp_path / "bad.yaml").write_text(
        "name: bad\nnamespace_name: t\nversion: 1.0.0\nsteps:\n"
        "  - {name: a, handler: {callable: h}, dependencies: [ghost]}\n"
    )
    assert main(["template", "run-all", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "invalid   " in out and "bad.yaml" in out and "'ghost'" in out
    assert "complete  t/ok@1.0.0  1/1 steps  good.yaml" in out
    assert out.rstrip().endswith("2 templates: 1 complete, 1 invalid")


@pytest.mark.parametrize(
    ("folder", "message"),
    [("missing", "is not a folder"), ("empty", "holds no .yaml or .yml files")],
)
def test_a_bad_folder_is_one_line_and_exit_2(tmp_path: Path, folder: str, message: str) -> None:
    (tmp_path / "empty").mkdir()
    done = tasker("template", "run-all", str(tmp_path / folder))
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
