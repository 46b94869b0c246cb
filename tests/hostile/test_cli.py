"""Every CLI command that prints task data, as a real ``tasker`` process on a real SQLite file
of hostile tasks: no traceback, the text shown literally, no control sequence let through,
no secret in clear, no line longer than the terminal."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from engine.literal import visible
from tests.hostile.build import (
    CANCEL_REASON,
    FAILING_STEP,
    HANDLERS,
    INITIATOR,
    LAST_STEP,
    NAME,
    NAMESPACE,
    RESULT_SECRET,
    RESULTS_STEP,
    Hostile,
    build_hostile,
)
from tests.hostile.corpus import CORPUS, SHOWN, missing_from, raw_controls_in

WIDTH = 400  # wide enough that no table wraps a corpus value across lines
CLEAR_SECRETS = ("sk_live_hostile_abc", "4111 1111 1111 1111", "5555555555554444", RESULT_SECRET)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return asyncio.run(build_hostile(tmp_path_factory.mktemp("hostile")))


def tasker(hostile: Hostile, *args: str) -> subprocess.CompletedProcess[str]:
    base = ["--db", str(hostile.db), "--templates", str(hostile.templates)]
    env = {**os.environ, "COLUMNS": str(WIDTH), "LINES": "50", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "engine", *base, "--handlers", str(HANDLERS), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def assert_safe(run: subprocess.CompletedProcess[str]) -> str:
    """The command succeeded, printed no traceback, sent no raw control character, leaked no
    secret and kept every line within the terminal's width; its stdout."""
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "MarkupError" not in run.stderr
    both = run.stdout + run.stderr
    assert raw_controls_in(both) == []
    assert [s for s in CLEAR_SECRETS if s in both] == []
    assert max((cell_len(line) for line in run.stdout.splitlines()), default=0) <= WIDTH
    return run.stdout


def test_task_list_shows_the_initiator_and_template_literally(hostile: Hostile) -> None:
    out = assert_safe(tasker(hostile, "task", "list"))
    assert visible(INITIATOR) in out
    assert f"{NAMESPACE}/{visible(NAME)}@1.0.0" in out


def test_task_get_shows_steps_errors_and_context_literally(hostile: Hostile) -> None:
    out = assert_safe(tasker(hostile, "task", "get", hostile.failed))
    assert missing_from(out) == []  # every corpus value, in the error message of the table
    for name in (RESULTS_STEP, FAILING_STEP, LAST_STEP, INITIATOR):
        assert visible(name) in out
    assert "[/x]␛[2J" in out  # the error code
    assert "…" in out and "L" * 200 in out  # the 10 kB line, clipped in its cell
    assert "••••1111" in out and "••••4444" in out  # cards keep their last four


def test_task_steps_shows_the_error_message_literally(hostile: Hostile) -> None:
    out = assert_safe(tasker(hostile, "task", "steps", hostile.failed))
    assert missing_from(out) == []
    assert "token ••••" in out  # a secret from a step's results, quoted in a later error


def test_step_audit_shows_reasons_and_operators_literally(hostile: Hostile) -> None:
    out = assert_safe(tasker(hostile, "task", "step-audit", hostile.cancelled, RESULTS_STEP))
    assert visible(CANCEL_REASON) in out and visible(INITIATOR) in out


def test_template_list_shows_the_description_literally(hostile: Hostile) -> None:
    out = assert_safe(tasker(hostile, "template", "list"))
    assert missing_from(out) == []


def test_template_visualize_and_validate_show_step_names_visibly(hostile: Hostile) -> None:
    ref = f"{NAMESPACE}/{NAME}"
    out = assert_safe(tasker(hostile, "template", "visualize", ref))
    assert visible(FAILING_STEP) in out
    out = assert_safe(tasker(hostile, "template", "validate", str(hostile.templates)))
    assert "1 valid, 0 invalid" in out


def test_json_output_escapes_controls_and_masks_secrets(hostile: Hostile) -> None:
    for args in (
        ("task", "get", hostile.failed, "--json"),
        ("task", "steps", hostile.failed, "--json"),
        ("task", "list", "--json"),
        ("task", "step-audit", hostile.cancelled, RESULTS_STEP, "--json"),
        ("template", "list", "--json"),
        ("failures", "--json"),
    ):
        run = tasker(hostile, *args)
        assert run.returncode == 0, run.stderr
        assert raw_controls_in(run.stdout) == [], args
        assert [s for s in CLEAR_SECRETS if s in run.stdout] == [], args
        json.loads(run.stdout)  # whole, valid JSON
    task = json.loads(tasker(hostile, "task", "get", hostile.failed, "--json").stdout)
    assert task["context"]["note"].startswith(CORPUS["closing tag"])  # data, unchanged


def test_create_and_step_actions_echo_names_visibly(hostile: Hostile, tmp_path: Path) -> None:
    context = tmp_path / "context.json"
    context.write_text(json.dumps({"note": CORPUS["window title"]}), encoding="utf-8")
    out = assert_safe(
        tasker(
            hostile, "task", "create", NAME, "--namespace", NAMESPACE,
            "--context", f"@{context}", "--initiator", INITIATOR, "--reason", CORPUS["colour"],
        )
    )  # fmt: skip
    assert visible(NAME) in out
    uuid = out.split()[1]
    out = assert_safe(
        tasker(hostile, "task", "resolve-step", uuid, RESULTS_STEP, "--reason", CANCEL_REASON)
    )
    assert visible(RESULTS_STEP) in out
    run = tasker(hostile, "worker", "--until-idle")  # logs one line per attempt on stderr
    assert_safe(run)
    assert visible(FAILING_STEP) in run.stderr


def test_a_hostile_step_name_in_an_error_is_shown_visibly(hostile: Hostile) -> None:
    run = tasker(hostile, "task", "reset-step", hostile.failed, SHOWN["clear screen"] + "\x1b[2J",
                 "--reason", "x")  # fmt: skip
    assert run.returncode == 2 and run.stdout == ""
    assert raw_controls_in(run.stderr) == [] and "Traceback" not in run.stderr
    assert run.stderr.startswith("tasker: error:") and "␛[2J" in run.stderr


def test_failures_show_hostile_names_codes_and_messages_literally(hostile: Hostile) -> None:
    out = assert_safe(tasker(hostile, "failures"))
    assert visible(NAME) in out and visible(FAILING_STEP) in out
    assert "[/x]␛[2J" in out  # the error code
    assert SHOWN["closing tag"] in out  # the sample message begins with the corpus, shown
    groups = json.loads(tasker(hostile, "failures", "--json").stdout)  # checked above
    # (an earlier test of this module may have failed another task, by another error)
    [group] = [g for g in groups if hostile.failed in {t["task_uuid"] for t in g["tasks"]}]
    assert group["step"] == FAILING_STEP and [t["task_uuid"] for t in group["tasks"]] == [
        hostile.failed
    ]
    assert "token ••••" in group["sample_message"]  # a result's secret, quoted in the error
    preview = assert_safe(
        tasker(hostile, "failures", "retry", group["group"], "--reason", "[/] x", "--dry-run")
    )
    assert f"retry {visible(FAILING_STEP)} in 1 task" in preview
