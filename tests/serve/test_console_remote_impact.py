"""The impact preview over HTTP (``tasker console --url``): worked out in the console from
the task the API shows, with which handler reads which results said "unknown"; ``E`` says in
one line that the API cannot edit a context."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual.message import Message
from textual.notifications import Notify

from console.remote import RemoteEngine
from console.remote_impact import EDIT_CONTEXT_REMOTE
from console.widgets.impact_preview import ImpactPreview
from tests.console.support import SIZE, console, select_task, until
from tests.serve.support import run_tasker, serving
from tests.serve.test_contract import checkout


async def test_the_preview_over_http_says_unknown_rather_than_guess(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    with serving(db, log=tmp_path / "serve.log") as base, httpx.Client(base_url=base) as http:
        uuid = http.post("/v1/tasks", json=checkout("remote")).json()["task_uuid"]
        run_tasker(db, "worker", "--until-idle", "--quiet")
        remote = RemoteEngine(base)
        await remote.open()
        app = console(remote)
        seen: list[Message] = []
        try:
            async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
                await select_task(pilot, uuid)
                await pilot.press("m")
                await until(pilot, lambda: bool(app.screen.query(ImpactPreview)), "the dialog")
                preview = app.screen.query_one(ImpactPreview)
                await until(pilot, lambda: bool(preview.lines), "the preview")
                text = "\n".join(preview.lines)
                assert "then runs: update_inventory, create_order, send_confirmation" in text
                assert "create_order: its handler is not known here" in text
                assert "will fail" not in text, "over HTTP no model is seen: nothing is guessed"
                await pilot.press("escape")
                await pilot.pause()
                await pilot.press("E")
                await pilot.pause()
                assert type(app.screen).__name__ == "MainScreen", "no editor over HTTP"
        finally:
            await remote.close()
        toasts = [str(m.notification.message) for m in seen if isinstance(m, Notify)]
        assert EDIT_CONTEXT_REMOTE in toasts, toasts
        assert EDIT_CONTEXT_REMOTE.startswith("editing a task's context is not in Tasker's REST")
        assert http.get(f"/v1/tasks/{uuid}").json()["status"] == "blocked_by_failures"
