"""The failures view over HTTP: ``tasker serve``'s console routes (our extension) behind
``tasker console --url``, and a one-line notice from a server that has none."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from textual.widgets import DataTable, Input, Static

from console.remote import NO_FAILURES_ROUTE, RemoteEngine, RemoteError
from console.screens.confirm import ReasonModal
from console.screens.failures import FailuresScreen
from tests.console.support import OPERATOR, SIZE, console, loaded, until
from tests.serve.support import run_tasker, serving, step_uuid
from tests.serve.test_contract import checkout


async def test_the_failures_view_over_http_groups_and_retries_as_one_batch(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tasker.db"
    with serving(db, log=tmp_path / "serve.log") as base, httpx.Client(base_url=base) as http:
        made = [http.post("/v1/tasks", json=checkout(o)).json()["task_uuid"] for o in "ab"]
        run_tasker(db, "worker", "--until-idle", "--quiet")
        (group,) = http.get("/v1/console/failures").json()
        assert (group["step"], group["error_code"], group["count"]) == (
            "process_payment",
            "PAYMENT_DECLINED",
            2,
        )
        bad = http.post("/v1/console/failures/batch", json={"action": "undo", "targets": []})
        assert bad.status_code == 400
        remote = RemoteEngine(base)
        await remote.open()
        app = console(remote)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await loaded(pilot)
                await pilot.press("F")
                await until(pilot, lambda: isinstance(app.screen, FailuresScreen), "the view")
                screen = app.screen
                assert isinstance(screen, FailuresScreen)
                await until(pilot, lambda: screen.loaded_once, "the groups over HTTP")
                assert screen.query_one("#failure-groups", DataTable).row_count == 1
                await pilot.press("space", "R")
                await until(pilot, lambda: isinstance(app.screen, ReasonModal), "the preview")
                shown = " ".join(str(s.render()) for s in app.screen.query(Static))
                assert "retry process_payment in 2 tasks; 0 running" in shown
                app.screen.query_one("#reason", Input).value = "card updated"
                await pilot.press("enter")
                status = screen.query_one("#failures-status", Static)
                await until(pilot, lambda: "2 done" in str(status.render()), "the batch")
        finally:
            await remote.close()
        for uuid in made:
            task = http.get(f"/v1/tasks/{uuid}").json()
            url = f"/v1/tasks/{uuid}/workflow_steps/{step_uuid(task, 'process_payment')}"
            audit = http.get(f"{url}/audit").json()  # newest first
            assert audit[0]["by"] == f"{OPERATOR} via loopback"
            assert audit[0]["reason"].startswith("card updated [batch ")
        assert http.get("/v1/console/failures").json() == []  # reset: pending, no longer failed
        assert len(http.get("/v1/console/failures", params={"all": "true"}).json()) == 1


async def test_a_server_without_the_console_routes_gets_a_one_line_notice() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "Not Found"})

    remote = RemoteEngine("http://tasker.example", transport=httpx.MockTransport(answer))
    try:
        with pytest.raises(RemoteError) as refused:
            await remote.failures()
        assert str(refused.value) == NO_FAILURES_ROUTE
    finally:
        await remote.close()
