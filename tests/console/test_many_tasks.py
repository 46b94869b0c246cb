"""Ten thousand tasks in a real SQLite file: the list loads them all, scrolls, and stays live."""

from __future__ import annotations

from pathlib import Path

from engine.api import open_engine
from engine.clock import FakeClock
from tests.console.support import SIZE, console, steps, task_cell, tasks, until

TEMPLATES = Path(__file__).parent / "data"
COUNT = 10_000


async def test_ten_thousand_tasks_load_scroll_and_update_in_place(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_engine(tmp_path / "many.db", templates=[TEMPLATES], clock=clock) as engine:
        made = await engine.create_tasks("one_step", "testing", [{"n": n} for n in range(COUNT)])
        assert all(created for _, created in made)
        clock.advance(90_000)
        app = console(engine)
        async with app.run_test(size=SIZE) as pilot:
            table = tasks(app)
            await until(pilot, lambda: table.row_count == COUNT, f"{COUNT:,} rows")
            assert table.border_title == "tasks 10,000"
            assert len(set(table.rows_by_uuid)) == COUNT
            await pilot.press("end")
            await pilot.pause()
            last = table.ordered_rows[-1].key.value
            assert last is not None
            assert table.cursor_row == COUNT - 1 and table.selected_uuid == last
            assert table.scroll_y == table.max_scroll_y > 0
            await until(pilot, lambda: steps(app).task_uuid == last, "the last task's steps")
            await pilot.press("pageup")
            await pilot.pause()
            assert table.cursor_row < COUNT - 1 and table.scroll_y < table.max_scroll_y
            selected = table.selected_uuid
            assert selected is not None
            assert task_cell(app, selected, "age") == "1m", "ages of the rows shown"
            await engine.cancel_task(last, "too many", "erin")
            await until(pilot, lambda: task_cell(app, last, "state") == "⊘ cancelled", "the change")
            assert table.row_count == COUNT
            await pilot.press("home")
            await pilot.pause()
            assert table.cursor_row == 0 and table.scroll_y == 0
