"""inventory/csv_import: the shipped CSV through the analyzer, parallel batch workers and the
aggregate, checked against totals computed here straight from the file; checkpoints and
resuming; a broken row under each failure strategy; a missing file."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from tasker_workflows.inventory import services as svc

from engine import shipped
from engine.api import Engine, open_engine
from engine.clock import FakeClock
from engine.handlers.context import StepContext
from engine.handlers.invoke import call_handler
from engine.handlers.registry import HandlerRegistry

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "inventory" / "csv_import.yaml"


def expected_inventory(path: Path, skip: range = range(0)) -> dict:
    """Category values and low stock computed directly from the file (the oracle)."""
    values: dict[str, float] = {}
    low: list[str] = []
    with path.open(newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            if number in skip:
                continue
            values[row["category"]] = values.get(row["category"], 0) + float(
                row["unit_price"]
            ) * int(row["quantity"])
            if int(row["quantity"]) <= int(row["reorder_level"]):
                low.append(row["sku"])
    return {"values": {k: round(v, 2) for k, v in sorted(values.items())}, "low": sorted(low)}


def broken_copy(tmp_path: Path, row_number: int) -> Path:
    """The shipped CSV with data row ``row_number`` cut to four fields."""
    lines = svc.SHIPPED_CSV.read_text().splitlines()
    fields = lines[row_number + 1].split(",")
    lines[row_number + 1] = ",".join(fields[:4])
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def strategy_copy(folder: Path, strategy: str) -> None:
    """The shipped template under namespace inventory_<strategy>, with that failure strategy."""
    template = yaml.safe_load(TEMPLATE.read_text())
    template["namespace_name"] = f"inventory_{strategy}"
    worker = next(s for s in template["steps"] if s["name"] == "process_csv_batch")
    worker["batch_config"]["failure_strategy"] = strategy
    folder.mkdir(exist_ok=True)
    (folder / f"csv_import_{strategy}.yaml").write_text(yaml.safe_dump(template))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    folder = tmp_path / "variants"
    for strategy in ("fail_fast", "isolate"):
        strategy_copy(folder, strategy)
    async with open_engine(tmp_path / "csv.db", templates=[folder], clock=FakeClock()) as eng:
        yield eng


async def import_csv(
    engine: Engine, context: dict, namespace: str = "inventory", concurrency: int = 4
) -> dict:
    made = await engine.create_task("csv_import", namespace, context)
    await engine.run_until_idle(concurrency)
    return await engine.get_task(made.task["task_uuid"])


def by_name(task: dict) -> dict[str, dict]:
    return {s["name"]: s for s in task["steps"]}


def workers(count: int) -> list[str]:
    return [f"process_csv_batch_{n:03d}" for n in range(1, count + 1)]


async def test_the_shipped_csv_is_counted_in_five_parallel_batches(engine: Engine) -> None:
    task = await import_csv(engine, {})
    steps = by_name(task)
    assert task["status"] == "complete"
    assert list(steps) == ["analyze_csv", *workers(5), "aggregate_inventory"]
    assert steps["process_csv_batch_005"]["inputs"]["cursor"] == {
        "batch_id": "005",
        "start_cursor": 100,
        "end_cursor": 120,
        "batch_size": 20,
    }
    result = steps["aggregate_inventory"]["results"]
    oracle = expected_inventory(svc.SHIPPED_CSV)
    assert {k: v["value"] for k, v in result["categories"].items()} == oracle["values"]
    assert result["low_stock"] == oracle["low"]
    assert (result["total_rows"], result["rows_processed"], result["rows_failed"]) == (120, 120, 0)
    assert result["failed_batches"] == [] and result["batch_count"] == 5
    # each 25-row batch yielded a checkpoint every 10 rows, at no cost in attempts
    first = steps["process_csv_batch_001"]
    assert [h["cursor"] for h in first["checkpoint"]["history"]] == [10, 20]
    assert first["attempts"] == 1


async def test_batch_size_from_the_context(engine: Engine) -> None:
    task = await import_csv(engine, {"batch_size": 50})
    assert [n for n in by_name(task) if n.startswith("process")] == workers(3)


def test_a_worker_given_a_checkpoint_resumes_from_its_cursor() -> None:
    """What a retried clone does: start at the checkpoint's cursor with its totals."""
    shipped.import_shipped_handlers()
    resolved = HandlerRegistry.instance().resolve_step("inventory_process_csv_batch")
    analysis = {"result": {"batch_metadata": {"csv_file": str(svc.SHIPPED_CSV)}}}
    inputs = {
        "cursor": {"batch_id": "001", "start_cursor": 0, "end_cursor": 25, "batch_size": 25},
        "batch_metadata": {"cursor_field": "row_number", "failure_strategy": "isolate"},
        "is_no_op": False,
    }
    partial = svc.empty_totals()
    for number, row in svc.rows_between(svc.SHIPPED_CSV, 0, 20):
        svc.add_row(partial, number, row)
    checkpoint = {"cursor": 20, "items_processed": 20, "accumulated_results": partial}

    def context(checkpoint: dict | None) -> StepContext:
        return StepContext(
            "t", "s", "process_csv_batch_001", "inventory_process_csv_batch", {},
            {"analyze_csv": analysis}, {}, inputs, 1, 3, checkpoint=checkpoint,
        )  # fmt: skip

    import asyncio

    resumed = asyncio.run(call_handler(resolved, context(checkpoint)))
    assert resumed.ok and resumed.results is not None
    assert resumed.results["items_processed"] == 25
    whole = svc.empty_totals()
    for number, row in svc.rows_between(svc.SHIPPED_CSV, 0, 25):
        svc.add_row(whole, number, row)
    assert resumed.results["batch_metadata"] == whole


async def test_a_broken_row_under_continue_on_failure_skips_its_batch(
    engine: Engine, tmp_path: Path
) -> None:
    broken = broken_copy(tmp_path, 30)  # in batch 002 (rows 25-49)
    task = await import_csv(engine, {"csv_file": str(broken)})
    steps = by_name(task)
    assert task["status"] == "complete"
    failed = steps["process_csv_batch_002"]
    assert failed["current_state"] == "complete" and failed["results"]["batch_failed"] is True
    assert failed["error"]["error_code"] == "MALFORMED_ROW"
    result = steps["aggregate_inventory"]["results"]
    assert result["failed_batches"] == ["002"]
    assert (result["rows_processed"], result["rows_failed"]) == (95, 25)
    oracle = expected_inventory(svc.SHIPPED_CSV, skip=range(25, 50))
    assert {k: v["value"] for k, v in result["categories"].items()} == oracle["values"]
    assert "row 30 of broken.csv has 4 fields" in result["errors"][0]["message"]


async def test_a_broken_row_under_fail_fast_stops_the_import(
    engine: Engine, tmp_path: Path
) -> None:
    broken = broken_copy(tmp_path, 30)
    task = await import_csv(engine, {"csv_file": str(broken)}, "inventory_fail_fast", 1)
    states = {name: s["current_state"] for name, s in by_name(task).items()}
    assert task["status"] == "blocked_by_failures"
    assert states == {
        "analyze_csv": "complete",
        "process_csv_batch_001": "complete",
        "process_csv_batch_002": "error",
        "process_csv_batch_003": "pending",
        "process_csv_batch_004": "pending",
        "process_csv_batch_005": "pending",
        "aggregate_inventory": "pending",
    }


async def test_a_broken_row_under_isolate_waits_for_the_file_to_be_fixed(
    engine: Engine, tmp_path: Path
) -> None:
    broken = broken_copy(tmp_path, 30)
    task = await import_csv(engine, {"csv_file": str(broken)}, "inventory_isolate", 1)
    states = {name: s["current_state"] for name, s in by_name(task).items()}
    assert task["status"] == "blocked_by_failures"
    assert states["process_csv_batch_002"] == "error"
    assert [states[n] for n in workers(5) if n != "process_csv_batch_002"] == ["complete"] * 4
    assert states["aggregate_inventory"] == "pending"
    broken.write_text(svc.SHIPPED_CSV.read_text())  # the operator repairs the file
    await engine.reset_step(task["task_uuid"], "process_csv_batch_002", reason="row 30 fixed")
    await engine.run_until_idle(1)
    task = await engine.get_task(task["task_uuid"])
    assert task["status"] == "complete"
    result = by_name(task)["aggregate_inventory"]["results"]
    assert (result["rows_processed"], result["failed_batches"]) == (120, [])


async def test_rows_with_bad_values_are_failed_items_not_failed_batches(
    engine: Engine, tmp_path: Path
) -> None:
    lines = svc.SHIPPED_CSV.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 3)[0] + ",-4.00,3,5"  # row 2: a negative price
    path = tmp_path / "values.csv"
    path.write_text("\n".join(lines) + "\n")
    task = await import_csv(engine, {"csv_file": str(path)})
    result = by_name(task)["aggregate_inventory"]["results"]
    assert task["status"] == "complete"
    assert (result["rows_processed"], result["rows_failed"], result["failed_batches"]) == (
        120,
        1,
        [],
    )
    assert result["errors"][0]["row_number"] == 2


async def test_a_missing_file_fails_the_analyzer_permanently(
    engine: Engine, tmp_path: Path
) -> None:
    task = await import_csv(engine, {"csv_file": str(tmp_path / "nope.csv")})
    analyze = by_name(task)["analyze_csv"]
    assert task["status"] == "blocked_by_failures" and list(by_name(task)) == ["analyze_csv"]
    assert (analyze["error"]["error_code"], analyze["attempts"]) == ("CSV_NOT_FOUND", 1)
