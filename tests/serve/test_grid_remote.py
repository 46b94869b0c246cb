"""The grid over HTTP (``tasker console --url``): the same rows as the local read, from a real
``tasker serve``, error codes included."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual.widgets import Static

from console.remote import RemoteEngine
from console.screens.grid import GridScreen
from engine.api import open_engine
from tests.console.support import SIZE, console, until
from tests.serve.support import run_tasker, serving
from tests.serve.test_contract import checkout

APPROVED = "tok_visa_4242"


async def test_the_remote_grid_reads_what_the_local_one_does(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    with serving(db, log=tmp_path / "serve.log") as base, httpx.Client(base_url=base) as http:
        for order, token in (("a", APPROVED), ("b", "tok_test_declined"), ("c", APPROVED)):
            assert http.post("/v1/tasks", json=checkout(order, token)).status_code == 201
        run_tasker(db, "worker", "--until-idle", "--quiet")
        other = {"name": "user_registration", "namespace": "microservices", "context": {}}
        http.post("/v1/tasks", json=other)  # another template: never in the grid
        remote = RemoteEngine(base)
        await remote.open()
        try:
            over_http = await remote.task_grid("ecommerce", "order_processing", 2)
            everything = await remote.task_grid("ecommerce", "order_processing", 40)
        finally:
            await remote.close()
    async with open_engine(db) as engine:
        local = await engine.task_grid("ecommerce", "order_processing", 40)
    assert len(everything) == 3 and over_http == everything[:2]
    assert everything == local
    declined = [s for t in everything for s in t["steps"] if s["current_state"] == "error"]
    assert [s["error_code"] for s in declined] == ["PAYMENT_DECLINED"]


async def test_a_server_gone_away_is_one_line_in_the_grid(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    with serving(db, log=tmp_path / "serve.log") as base:
        remote = RemoteEngine(base)
        await remote.open()
    app = console(remote)
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(GridScreen(None))
            await until(
                pilot,
                lambda: isinstance(app.screen, GridScreen) and bool(app.screen.query("#grid-cell")),
                "the grid",
            )
            cell = app.screen.query_one("#grid-cell", Static)
            await until(pilot, lambda: "could not read the grid" in str(cell.render()), "why")
            assert f"cannot reach {base}" in str(cell.render())
            assert len(str(cell.render()).splitlines()) == 1
    finally:
        await remote.close()
