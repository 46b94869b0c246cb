"""The ``tasker`` CLI in-process: the documented JSON shape, one-line errors, no half-writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from tests.backends import digest
from tests.engine.support import CART, DATA, HANDLERS


def tasker(db: Path, *args: str) -> list[str]:
    base = ["--db", str(db), "--templates", str(DATA)]
    for module in HANDLERS:
        base += ["--handlers", module]
    return [*base, *args]


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(tasker(db, *args))
    out, err = capsys.readouterr()
    return code, out, err


def test_checkout_from_the_cli(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, _ = run(
        capsys,
        db,
        "task",
        "create",
        "ecommerce_order_processing",
        "--namespace",
        "ecommerce",
        "--context",
        json.dumps(CART),
        "--json",
    )
    created = json.loads(out)
    assert code == 0 and created["created"] is True
    assert created["context"]["payment_token"] == "••••"  # masked in CLI output, no character kept
    assert run(capsys, db, "worker", "--until-idle", "--quiet")[0] == 0
    code, out, _ = run(capsys, db, "task", "get", created["task_uuid"][:10], "--json")
    task = json.loads(out)
    assert task["status"] == "complete"
    for key in (
        "task_uuid",
        "name",
        "namespace",
        "version",
        "status",
        "execution_status",
        "completion_percentage",
        "total_steps",
        "completed_steps",
        "failed_steps",
        "context",
        "initiator",
        "source_system",
        "reason",
        "created_at",
        "updated_at",
        "completed_at",
        "steps",
    ):
        assert key in task, key
    for key in (
        "name",
        "current_state",
        "attempts",
        "max_attempts",
        "retryable",
        "retry_eligible",
        "next_retry_at",
        "last_attempted_at",
        "dependencies",
        "results",
        "error",
    ):
        assert key in task["steps"][0], key
    assert [s["current_state"] for s in task["steps"]] == ["complete"] * 5
    code, out, _ = run(
        capsys,
        db,
        "task",
        "create",
        "ecommerce_order_processing",
        "--namespace",
        "ecommerce",
        "--context",
        json.dumps(CART),
        "--json",
    )
    assert json.loads(out)["created"] is False
    assert json.loads(out)["task_uuid"] == created["task_uuid"]


def test_reset_step_from_the_cli_is_audited(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    ctx = json.dumps({"script": {"first": ["permanent"]}})
    _, out, _ = run(
        capsys,
        db,
        "task",
        "create",
        "flaky_chain",
        "--namespace",
        "testing",
        "--context",
        ctx,
        "--json",
    )
    uuid = json.loads(out)["task_uuid"]
    run(capsys, db, "worker", "--until-idle", "--quiet")
    code, out, _ = run(
        capsys, db, "task", "reset-step", uuid, "first", "--reason", "try again", "--by", "erin"
    )
    assert code == 0 and "now pending" in out
    _, out, _ = run(capsys, db, "task", "step-audit", uuid, "first", "--json")
    rows = json.loads(out)
    assert rows[-1]["by"] == "erin" and rows[-1]["reason"] == "try again"

    # One attempt number everywhere: the retry after the reset is attempt 2 in the audit,
    # the JSON and 'task steps' (2 of at most 1 + 3: the reset renewed the allowance).
    run(capsys, db, "worker", "--until-idle", "--quiet")
    _, out, _ = run(capsys, db, "task", "step-audit", uuid, "first", "--json")
    assert json.loads(out)[-1]["attempt"] == 2
    _, out, _ = run(capsys, db, "task", "get", uuid, "--json")
    first = json.loads(out)["steps"][0]
    assert (first["attempt"], first["attempts"], first["max_attempts"]) == (2, 1, 3)
    assert first["current_state"] == "error", "the script fails the first run after a reset"
    _, out, _ = run(capsys, db, "task", "steps", uuid)
    assert out.splitlines()[1].split()[:3] == ["first", "error", "2/4"]


BAD_INPUT = [
    (("task", "get", "0000dead"), "no task matches '0000dead'"),
    (("task", "get", "zz-not-hex"), "is not a task uuid"),
    (
        ("task", "create", "flaky_chain", "--namespace", "testing", "--context", "{oops"),
        "--context is not valid JSON",
    ),
    (
        ("task", "create", "flaky_chain", "--namespace", "testing", "--context", "[1, 2]"),
        "--context must be a JSON object",
    ),
    (("task", "create", "nope", "--namespace", "testing"), "nope"),
    (("task", "list", "--limit", "0"), "--limit must be at least 1"),
    (("task", "list", "--search", "colour:red"), "--search: unknown field 'colour:'"),
    (("task", "list", "--search", " "), "--search needs a query"),
    (("task", "list", "--search", "x", "--status", "error"), "--search takes no --namespace"),
    (("task", "frobnicate"), "invalid choice"),
    (("worker", "--concurrency", "0"), "--concurrency must be at least 1"),
    (
        ("task", "create", "flaky_chain", "--namespace", "testing", "--context", "@/no/such"),
        "cannot read --context file",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], db: Path, args: tuple[str, ...], message: str
) -> None:
    run(capsys, db, "task", "create", "flaky_chain", "--namespace", "testing", "--json")
    before = digest(db)
    code, out, err = run(capsys, db, *args)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("tasker: error: ") and message in err
    assert "Traceback" not in err
    assert digest(db) == before


def test_illegal_action_for_the_state(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    _, out, _ = run(capsys, db, "task", "create", "flaky_chain", "--namespace", "testing", "--json")
    uuid = json.loads(out)["task_uuid"]
    before = digest(db)
    code, _, err = run(capsys, db, "task", "give-up", uuid)
    assert code == 2 and "give-up needs a task that is blocked_by_failures" in err
    code, _, err = run(capsys, db, "task", "reset-step", uuid, "first", "--reason", "x")
    assert code == 2 and "reset-step needs a step in error" in err
    assert digest(db) == before


def test_a_file_that_is_not_sqlite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    before = digest(bogus)
    code, _, err = run(capsys, bogus, "task", "list")
    assert code == 2 and "is not a tasker database" in err
    assert digest(bogus) == before


def test_task_list_search_finds_an_order_by_its_customer(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    for email in ("ada@example.com", "grace@example.com"):
        cart = {**CART, "customer_email": email}
        context = ("--context", json.dumps(cart))
        run(capsys, db, "task", "create", "ecommerce_order_processing", "--namespace",
            "ecommerce", *context)  # fmt: skip

    code, out, _ = run(capsys, db, "task", "list", "--search", "ADA@example", "--json")
    found = json.loads(out)
    assert code == 0 and found["total"] == 1 and found["note"] is None
    assert found["tasks"][0]["matched"] == "ctx.customer_email"
    code, out, _ = run(capsys, db, "task", "list", "--search", "ctx.cart_items.sku:book-1")
    assert code == 0 and "MATCHED" in out and "2 matching tasks" in out
    code, out, _ = run(capsys, db, "task", "list", "--search", "tok_visa", "--json")
    assert json.loads(out)["total"] == 0  # the payment token is a secret: not found
    code, out, _ = run(capsys, db, "task", "list", "--search", "example.com", "--limit", "1")
    assert "1 of 2 matching tasks" in out
