"""Handlers that return what no database should take (not JSON, huge, NaN, not Unicode,
circular) or get a context of the wrong types: the step fails permanently with a one-line
reason, nothing of the results is stored, and the worker carries on without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from tests.reliability.support import DATA, illegal_paths, rows

TEMPLATES = DATA / "misbehaving"
HANDLERS = DATA / "misbehaving_handlers.py"

CASES = [
    ("set", "result_not_serializable", "cannot be stored as JSON"),
    ("huge", "result_too_large", "over the 1000000 byte limit"),
    ("nan", "result_not_serializable", "NaN or Infinity"),
    ("surrogate", "result_not_serializable", "not valid Unicode"),
    ("circular", "result_not_serializable", "circular reference"),
]


def tasker(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    base = ["--db", str(db), "--templates", str(TEMPLATES), "--handlers", str(HANDLERS)]
    code = main([*base, *args])
    out, err = capsys.readouterr()
    return code, out, err


def create_and_run(capsys: pytest.CaptureFixture[str], db: Path, name: str, context: dict) -> dict:
    code, out, err = tasker(
        capsys, db, "task", "create", name, "--namespace", "reliability",
        "--context", json.dumps(context), "--json",
    )  # fmt: skip
    assert code == 0, err
    uuid = json.loads(out)["task_uuid"]
    code, _, err = tasker(capsys, db, "worker", "--until-idle", "--quiet")
    assert code == 0 and "Traceback" not in err, err
    code, out, err = tasker(capsys, db, "task", "get", uuid, "--json")
    assert code == 0, err
    task: dict = json.loads(out)
    return task


@pytest.mark.parametrize(("do", "code", "says"), CASES, ids=[case[0] for case in CASES])
def test_results_the_database_cannot_take_fail_the_step_permanently(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, do: str, code: str, says: str
) -> None:
    db = tmp_path / "tasker.db"
    task = create_and_run(capsys, db, "misbehaving", {"do": do})
    [step] = task["steps"]
    assert task["status"] == "blocked_by_failures"
    assert step["current_state"] == "error" and step["attempts"] == 1
    assert step["results"] is None
    error = step["error"]
    assert (error["error_type"], error["error_code"], error["retryable"]) == (
        "permanent_error",
        code,
        False,
    )
    assert says in error["message"] and "\n" not in error["message"]
    assert rows(db, "SELECT COUNT(*) FROM steps WHERE results IS NOT NULL") == [(0,)]
    assert illegal_paths(db) == []


def test_a_context_of_the_wrong_types_fails_validation_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    task = create_and_run(
        capsys, tmp_path / "tasker.db", "typed", {"quantity": "many", "email": ["a"]}
    )
    [step] = task["steps"]
    assert task["status"] == "blocked_by_failures"
    assert step["error"]["error_type"] == "validation_error"
    assert "quantity" in step["error"]["message"] and "email" in step["error"]["message"]


def test_the_worker_goes_on_with_other_tasks_after_a_bad_result(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "tasker.db"
    for do in ("huge", "fine", "set", "also fine"):
        tasker(capsys, db, "task", "create", "misbehaving", "--namespace", "reliability",
               "--context", json.dumps({"do": do}))  # fmt: skip
    code, _, err = tasker(capsys, db, "worker", "--until-idle", "--quiet")
    assert code == 0 and err.count("\n") <= 1, err
    assert rows(db, "SELECT status, COUNT(*) FROM tasks GROUP BY status ORDER BY status") == [
        ("blocked_by_failures", 2),
        ("complete", 2),
    ]
