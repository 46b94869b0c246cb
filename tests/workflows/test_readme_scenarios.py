"""The README's checkout scenarios, run command by command through the CLI on a real file.

Each command below is first looked up, word for word, in the README's walkthrough (so the
README cannot drift from what is tested), then run through ``engine.cli.main`` with ``ID``
standing for the task the scenario's ``order`` created.
"""

from __future__ import annotations

import json
import shlex
import socket
from pathlib import Path

import pytest

from engine.cli import main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
WALKTHROUGH = README[README.index("## The checkout story") :]
CART = [{"sku": "WIDGET-001", "name": "Widget", "quantity": 2, "unit_price": 29.99}]


@pytest.fixture(autouse=True)
def story(tmp_path, monkeypatch):
    """README: ``export TASKER_DB=story.db``, in a fresh folder, with no gateway configured."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TASKER_DB", "story.db")
    for name in ("TASKER_DEMO_GATEWAY_URL", "TASKER_DEMO_GATEWAY_TIMEOUT", "TASKER_DEMO_OUTBOX"):
        monkeypatch.delenv(name, raising=False)


class Story:
    """Runs README lines: ``order TOKEN``, ``tasker ...`` and ``VAR=value tasker ...``."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch
        self.task_id = ""

    def run(self, line: str, **replace: str) -> str:
        assert line in WALKTHROUGH, f"the README no longer says: {line}"
        words = shlex.split(line)
        with self.monkeypatch.context() as env:
            while "=" in words[0]:
                name, value = words.pop(0).split("=", 1)
                env.setenv(name, replace.get(value, value))
            if words[0] == "order":
                return self._order(words[1])
            assert words[0] == "tasker"
            return self._tasker([self.task_id if w == "ID" else w for w in words[1:]])

    def _order(self, token: str) -> str:
        context = {"customer_email": "jane@example.com", "payment_token": token, "items": CART}
        create = ["task", "create", "order_processing", "--namespace", "ecommerce"]
        out = self._tasker([*create, "--context", json.dumps(context), "--json"])
        self.task_id = json.loads(out)["task_uuid"]
        return out

    def _tasker(self, argv: list[str]) -> str:
        self.capsys.readouterr()
        code = main(argv)
        out, err = self.capsys.readouterr()
        assert code == 0, err
        return out

    def task(self) -> dict:
        task: dict = json.loads(self._tasker(["task", "get", self.task_id, "--json"]))
        return task

    def step(self, name: str) -> dict:
        return next(s for s in self.task()["steps"] if s["name"] == name)

    def audit(self, name: str) -> list[dict]:
        audit: list[dict] = json.loads(
            self._tasker(["task", "step-audit", self.task_id, name, "--json"])
        )
        return audit


@pytest.fixture
def readme(capsys, monkeypatch) -> Story:
    return Story(capsys, monkeypatch)


def test_happy_path(readme):
    readme.run("order tok_test_success")
    readme.run("tasker worker --until-idle")
    shown = readme.run("tasker task get ID")
    task = readme.task()
    assert (task["status"], task["completed_steps"], task["total_steps"]) == ("complete", 5, 5)
    assert readme.step("process_payment")["results"]["amount_charged"] == 74.77
    cart = readme.step("validate_cart")["results"]
    assert (cart["subtotal"], cart["tax"], cart["shipping"]) == (59.98, 4.80, 9.99)
    assert "complete" in shown


def test_declined_card_fails_at_once_and_is_given_up(readme):
    readme.run("order tok_test_declined")
    readme.run("tasker worker --until-idle")
    payment = readme.step("process_payment")
    assert readme.task()["status"] == "blocked_by_failures"
    assert (payment["current_state"], payment["attempts"], payment["max_attempts"]) == (
        "error",
        1,
        2,
    )
    assert (payment["error"]["error_type"], payment["error"]["error_code"]) == (
        "permanent_error",
        "PAYMENT_DECLINED",
    )
    assert readme.step("update_inventory")["current_state"] == "pending"
    readme.run('tasker task give-up ID --reason "card declined; customer asked for another card"')
    assert readme.task()["status"] == "error"


def test_gateway_timeout_then_success(readme):
    readme.run("order tok_test_timeout_once")
    readme.run("tasker worker --until-idle")
    shown = readme.run("tasker task step-audit ID process_payment")
    assert readme.task()["status"] == "complete"
    assert readme.step("process_payment")["attempts"] == 2
    waits = [
        row for row in readme.audit("process_payment") if row["to_state"] == "waiting_for_retry"
    ]
    (wait,) = waits
    assert (wait["metadata"]["error_code"], wait["metadata"]["backoff_ms"]) == (
        "GATEWAY_TIMEOUT",
        100,
    )
    assert "waiting_for" in shown


def _closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def test_retries_exhausted_then_fixed_by_an_operator_reset(readme):
    readme.run("order tok_test_success")
    down = "http://127.0.0.1:9"  # the README's port; the test uses one it knows is closed
    readme.run(
        f"TASKER_DEMO_GATEWAY_URL={down} tasker worker --until-idle",
        **{down: f"http://127.0.0.1:{_closed_port()}"},
    )
    payment = readme.step("process_payment")
    assert readme.task()["status"] == "blocked_by_failures"
    assert (payment["attempts"], payment["error"]["error_code"]) == (2, "GATEWAY_UNREACHABLE")
    readme.run('tasker task reset-step ID process_payment --reason "gateway back up" --by alice')
    readme.run("tasker worker --until-idle")
    shown = readme.run("tasker task step-audit ID process_payment")
    assert readme.task()["status"] == "complete"
    resets = [row for row in readme.audit("process_payment") if row["by"] == "alice"]
    assert [(r["from_state"], r["to_state"], r["reason"]) for r in resets] == [
        ("error", "pending", "gateway back up")
    ]
    assert "alice" in shown


def test_the_readme_order_function_sends_the_context_these_tests_send():
    body = WALKTHROUGH[WALKTHROUGH.index("order() {") :]
    quoted = body[body.index('--context "') + len('--context "') : body.index('"\n}')]
    context = json.loads(quoted.replace('\\"', '"').replace("$1", "tok_test_success"))
    assert context == {
        "customer_email": "jane@example.com",
        "payment_token": "tok_test_success",
        "items": CART,
    }
