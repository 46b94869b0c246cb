"""``--dry-run`` on the task actions and ``tasker task edit-context``, through ``main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main

SHORT_STOCK: dict[str, Any] = {
    "customer_email": "ivy@example.com",
    "payment_token": "tok_visa_4242",
    "items": [{"sku": "SKU-004", "name": "Phone case", "quantity": 80, "unit_price": 4.2}],
}


@pytest.fixture
def blocked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A checkout charged, then blocked by short stock (the shipped handlers, in process)."""
    monkeypatch.delenv("TASKER_DEMO_GATEWAY_URL", raising=False)
    monkeypatch.setenv("TASKER_DEMO_OUTBOX", str(tmp_path / "outbox.db"))
    db = tmp_path / "tasker.db"
    context = json.dumps(SHORT_STOCK)
    args = ["task", "create", "order_processing", "--namespace", "ecommerce", "--context", context]
    assert main(["--db", str(db), *args]) == 0
    assert main(["--db", str(db), "worker", "--until-idle", "--quiet"]) == 0
    return db, "*"


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


def uuid_of(capsys: pytest.CaptureFixture[str], db: Path) -> str:
    _, out, _ = run(capsys, db, "task", "list", "--json")
    return str(json.loads(out)[0]["task_uuid"])


def test_cancel_dry_run_says_what_stays_charged_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], blocked: tuple[Path, str]
) -> None:
    db, _ = blocked
    uuid = uuid_of(capsys, db)
    code, out, err = run(capsys, db, "task", "cancel", uuid, "--dry-run")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"dry run: cancel on task {uuid[-8:]} (ecommerce/order_processing")
    assert "stops: update_inventory, create_order, send_confirmation" in lines
    assert any(
        "process_payment completed: payment_id pay_" in line
        and line.endswith("amount_charged $362.88, status completed; cancelling does not refund it")
        for line in lines
    )
    _, out, _ = run(capsys, db, "task", "get", uuid, "--json")
    assert json.loads(out)["status"] == "blocked_by_failures", "a dry run changes nothing"


def test_resolve_dry_run_as_json_names_the_dependent_that_will_fail(
    capsys: pytest.CaptureFixture[str], blocked: tuple[Path, str]
) -> None:
    db, _ = blocked
    uuid = uuid_of(capsys, db)
    args = ("task", "resolve-step", uuid, "update_inventory", "--reason", "r", "--dry-run")
    code, out, _ = run(capsys, db, *args, "--json")
    found = json.loads(out)
    assert code == 0 and found["dry_run"] is True and found["action"] == "resolve_step"
    assert found["then_runs"] == ["create_order", "send_confirmation"]
    assert found["will_fail"][0].startswith(
        "create_order: @depends_on(inventory=update_inventory, UpdateInventoryResult)"
    )


def test_edit_context_sets_a_key_retries_and_prints_the_masked_diff(
    capsys: pytest.CaptureFixture[str], blocked: tuple[Path, str]
) -> None:
    db, _ = blocked
    uuid = uuid_of(capsys, db)
    new = {**SHORT_STOCK, "items": [{**SHORT_STOCK["items"][0], "quantity": 70}]}
    path = db.parent / "ctx.json"
    path.write_text(json.dumps(new))
    code, out, _ = run(
        capsys, db, "task", "edit-context", uuid, "--file", str(path),
        "--set", "payment_token=tok_mc_5454", "--reason", "70 will do", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "task_uuid": uuid,
        "context_diff": [
            '~ $.payment_token: "••••" → "••••"',
            "~ $.items[0].quantity: 80 → 70",
        ],
        "retried": ["update_inventory"],
    }
    _, out, _ = run(capsys, db, "task", "get", uuid, "--json", "--reveal")
    task = json.loads(out)
    assert task["context"]["payment_token"] == "tok_mc_5454"
    assert next(s for s in task["steps"] if s["name"] == "update_inventory")["attempts"] == 0
