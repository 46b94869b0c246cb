"""The big-task bench: its generated templates load with the shape it names, a small run of
each figure completes, and its rows reach the results table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import big_tasks, report
from engine.templates.loader import load_template
from tests.bench.test_report import _results


def test_a_wide_template_has_a_root_parallel_steps_and_a_join(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(big_tasks.wide_yaml(50))
    template = load_template(path).template
    assert len(template.steps) == 50
    assert template.steps[0].dependencies == [] and template.steps[1].dependencies == ["root"]
    assert len(template.step("join").dependencies) == 48


def test_past_the_values_limit_a_big_template_has_no_root_and_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(big_tasks.wide_yaml(10_000))
    template = load_template(path).template
    assert len(template.steps) == 10_000 and template.steps[0].dependencies == []
    assert len(template.step("join").dependencies) == 9_999


def test_small_runs_of_every_figure_complete_and_are_reported(tmp_path: Path) -> None:
    big: dict[str, Any] = {
        "one_task": [big_tasks.one_task_against_chains(tmp_path, 20, rounds=2)],
        "batch": big_tasks.clone_batch(tmp_path, 12),
        "template": big_tasks.template_times(tmp_path, 30, runs=1),
    }
    row = big["one_task"][0]
    assert row["steps"] == 20 and row["one_task_steps_per_s"] > 0
    assert row["one_to_chains_min"] <= row["one_to_chains"] <= row["one_to_chains_max"]
    assert big["batch"]["clones"] == 12 and big["batch"]["steps_per_s"] > 0
    table = report.markdown({**_results(), "big": big})
    assert "| 20 no-op steps (a root, parallel steps, a join) |" in table
    assert "| a batch of 12 clones |" in table
    assert "| validate (load) |" in table
