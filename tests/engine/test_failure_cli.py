"""``tasker failures``: the groups as a table and as JSON, and a bulk action by group id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from tests.engine.support import DATA, HANDLERS


def test_tasker_failures_lists_groups_and_retries_one_by_its_id(
    capsys: pytest.CaptureFixture[str], db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the table's cells whole
    base = ["--db", str(db), "--templates", str(DATA)]
    for module in HANDLERS:
        base += ["--handlers", module]
    fixed = tmp_path / "fixed"
    scripts = [{"first": [f"fixed_by:{fixed}"]}] * 2 + [{"second": ["permanent"]}]
    for order, script in enumerate(scripts):
        context = json.dumps({"script": script, "order": order})
        assert main([*base, "task", "create", "flaky_chain", "--namespace", "testing",
                     "--context", context]) == 0  # fmt: skip
    assert main([*base, "worker", "--until-idle", "--quiet"]) == 0
    capsys.readouterr()

    assert main([*base, "failures", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert [(g["step"], g["error_code"], g["count"]) for g in groups] == [
        ("first", "not_configured", 2),
        ("second", "card_declined", 1),
    ]
    assert main([*base, "failures"]) == 0
    text = capsys.readouterr().out
    assert groups[0]["group"] in text and "not_configured (PERMANENT)" in text
    assert "configuration missing" in text

    group = groups[0]["group"]
    assert main([*base, "failures", "retry", group[:5], "--reason", "deployed", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "retry first in 2 tasks; 0 running; 4 dependents will run after it" in out
    assert "dry run: nothing changed" in out

    fixed.touch()
    assert main([*base, "failures", "retry", group, "--reason", "deployed", "--json"]) == 0
    batch = json.loads(capsys.readouterr().out)["batch"]
    assert batch["counts"] == {"done": 2} and batch["reason"] == "deployed"
    assert main([*base, "worker", "--until-idle", "--quiet"]) == 0
    capsys.readouterr()
    assert main([*base, "failures", "--json"]) == 0
    assert [g["step"] for g in json.loads(capsys.readouterr().out)] == ["second"]
    assert main([*base, "failures", "--all"]) == 0
    assert "0/2" in capsys.readouterr().out  # handled: none of the two is open

    assert main([*base, "failures", "give-up", "--step", "second", "--reason", "gone"]) == 0
    out = capsys.readouterr().out
    assert "give up 1 task (second failed)" in out and "1 done" in out
    assert main([*base, "failures"]) == 0
    assert "no outstanding failures" in capsys.readouterr().out
