"""The README's "Decisions and batches" commands, read from the README itself and run through
``engine.cli.main`` on a fresh database: the approval takes manager and finance, the CSV import
runs five batches (run-all over the corpus: tests/compat)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from engine.cli import main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTION = README[README.index("## Decisions and batches") : README.index("## Scaling out")]


def commands() -> list[list[str]]:
    """The ``tasker`` lines of the section's shell block (continuations joined)."""
    block = re.search(r"```sh\n(.*?)```", SECTION, re.S)
    assert block is not None, "the section lost its shell example"
    text = block.group(1).replace("\\\n", " ")
    return [shlex.split(line)[1:] for line in text.splitlines() if line.startswith("tasker ")]


def test_the_readme_example_runs_as_described(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TASKER_DB", "flows.db")
    lines = commands()
    assert [words[:2] for words in lines] == [["task", "create"]] * 2 + [["worker", "--until-idle"]]
    for words in lines:
        assert main(words) == 0
    capsys.readouterr()
    assert main(["task", "list", "--json"]) == 0
    tasks = {t["name"]: t for t in json.loads(capsys.readouterr().out)}
    assert {t["status"] for t in tasks.values()} == {"complete"}
    assert main(["task", "get", tasks["conditional_approval"]["task_uuid"], "--json"]) == 0
    approval = [s["name"] for s in json.loads(capsys.readouterr().out)["steps"]]
    assert approval[2:] == ["manager_approval", "finance_review", "finalize_approval"]
    assert main(["task", "get", tasks["csv_import"]["task_uuid"], "--json"]) == 0
    batch = [s["name"] for s in json.loads(capsys.readouterr().out)["steps"]]
    assert batch[1:-1] == [f"process_csv_batch_00{i}" for i in range(1, 6)]
