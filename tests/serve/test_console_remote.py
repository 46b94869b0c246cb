"""``tasker console --url``: the same console over a real ``tasker serve`` (HTTP on loopback),
driven by keys with Pilot; what the API cannot do is refused in one line."""

from __future__ import annotations

import inspect
from pathlib import Path

import httpx
from textual.message import Message

from console.data import ConsoleData
from console.main import remote_session
from console.messages import ActionFailed
from console.remote import RemoteEngine
from engine.api import Engine
from tests.console.support import (
    OPERATOR,
    SIZE,
    confirm_with_reason,
    console,
    header_text,
    select_task,
    step_cell,
    steps,
    task_cell,
    until,
)
from tests.serve.support import run_tasker, serving, step_uuid
from tests.serve.test_contract import checkout


async def test_the_console_over_http_shows_and_acts(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    with serving(db, log=tmp_path / "serve.log") as base, httpx.Client(base_url=base) as http:
        made = {
            order: http.post("/v1/tasks", json=checkout(order)).json()["task_uuid"]
            for order in ("retried", "resolved", "cancelled", "kept")
        }
        run_tasker(db, "worker", "--until-idle", "--quiet")
        remote = RemoteEngine(base)
        await remote.open()
        app = console(remote)
        seen: list[Message] = []
        try:
            async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
                await select_task(pilot, made["retried"])
                assert "blocked_by_failures" in task_cell(app, made["retried"], "state")
                assert "4 blocked_by_failures" in header_text(app)
                assert steps(app).row_count == 5
                assert "error" in step_cell(app, "process_payment", "state")
                await confirm_with_reason(pilot, "r", "customer updated the card")
                await until(
                    pilot, lambda: "pending" in step_cell(app, "process_payment", "state"), "reset"
                )

                await select_task(pilot, made["resolved"])
                await confirm_with_reason(pilot, "m", "paid by phone")
                await until(
                    pilot,
                    lambda: "resolved" in step_cell(app, "process_payment", "state"),
                    "resolved",
                )

                await select_task(pilot, made["cancelled"])
                await confirm_with_reason(pilot, "x", "order withdrawn")
                await until(
                    pilot,
                    lambda: "cancelled" in task_cell(app, made["cancelled"], "state"),
                    "cancel",
                )

                await select_task(pilot, made["kept"])
                await confirm_with_reason(pilot, "g", "give up")  # not in Tasker's API
                await until(
                    pilot, lambda: any(isinstance(m, ActionFailed) for m in seen), "refusal"
                )
        finally:
            await remote.close()
        refusals = {m.text for m in seen if isinstance(m, ActionFailed)}
        assert any("give up is not in Tasker's REST API" in r for r in refusals), refusals
        kept = http.get(f"/v1/tasks/{made['kept']}").json()
        assert kept["status"] == "blocked_by_failures"  # the refusal changed nothing

        task = http.get(f"/v1/tasks/{made['retried']}").json()
        url = f"/v1/tasks/{made['retried']}/workflow_steps/{step_uuid(task, 'process_payment')}"
        newest = http.get(f"{url}/audit").json()[0]
        assert (newest["to_state"], newest["by"], newest["reason"]) == (
            "pending",
            f"{OPERATOR} via loopback",
            "customer updated the card",
        )


async def test_a_wrong_url_or_key_is_one_line(tmp_path: Path) -> None:
    from engine.cli.errors import UsageError

    for url, key, expected in (
        ("ftp://example", None, "not an http:// or https:// URL"),
        ("http://127.0.0.1:9", None, "cannot reach http://127.0.0.1:9"),
    ):
        try:
            async with remote_session(url, key):
                raise AssertionError("the console opened")
        except UsageError as refusal:
            assert expected in str(refusal) and "\n" not in str(refusal)
    keys = tmp_path / "keys.json"
    keys.write_text(
        '{"keys": [{"name": "ops", "key": "0123456789abcdefgh", "permissions": ["*"]}]}'
    )
    with serving(tmp_path / "t.db", "--api-keys", str(keys), log=tmp_path / "serve.log") as base:
        try:
            async with remote_session(base, "wrong-key-0123456789"):
                raise AssertionError("the console opened with a wrong key")
        except UsageError as refusal:
            assert "not one this server knows" in str(refusal)
        async with remote_session(base, "0123456789abcdefgh") as app:
            assert app.db_label == base and app.embedded_worker is None


def as_console_data(local: Engine, remote: RemoteEngine) -> tuple[ConsoleData, ConsoleData]:
    """mypy (make lint) checks here that both backends satisfy the console's protocol."""
    return local, remote


def test_both_backends_answer_every_call_the_console_makes() -> None:
    calls = [n for n in vars(ConsoleData) if not n.startswith("_") and n != "clock"]
    assert "get_task" in calls and "changes_since" in calls
    for name in calls:
        local, remote = getattr(Engine, name), getattr(RemoteEngine, name)
        assert inspect.iscoroutinefunction(local) == inspect.iscoroutinefunction(remote), name
        wanted = list(inspect.signature(getattr(ConsoleData, name)).parameters)
        assert len(inspect.signature(remote).parameters) == len(wanted), name
        assert len(inspect.signature(local).parameters) == len(wanted), name


async def test_the_console_over_http_searches_through_the_server(tmp_path: Path) -> None:
    """/ over HTTP asks the server's search (our ``search`` parameter): a customer's e-mail
    finds the order; the title says the rows cannot say what matched."""
    from tests.console.support import key_values, loaded, tasks

    db = tmp_path / "tasker.db"
    with serving(db, log=tmp_path / "serve.log") as base, httpx.Client(base_url=base) as http:
        made = {
            order: http.post("/v1/tasks", json=checkout(order)).json()["task_uuid"]
            for order in ("wanted", "other")
        }
        remote = RemoteEngine(base)
        await remote.open()
        app = console(remote)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await loaded(pilot)
                await pilot.press("slash", *"wanted@example.com")
                await until(
                    pilot,
                    lambda: key_values(r.key for r in tasks(app).ordered_rows) == [made["wanted"]],
                    "the order found by e-mail",
                )
                title = str(tasks(app).border_title)
                assert "1 match" in title and "over HTTP the rows do not say" in title
        finally:
            await remote.close()
