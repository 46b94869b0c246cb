"""Handlers that fail loudly, in a real ``tasker worker`` process: a 20 MB exception message
over two attempts leaves a database of kilobytes (it made 100 MB before errors were capped),
``task get`` shows the start of the message and how much was cut, and NaN or Infinity in an
error's metadata is stored as text, so every stored error is strict JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.error_limits import MAX_ERROR_MESSAGE_BYTES
from tests.reliability.support import DATA, rows, run, tasker, unwelcome_lines

TEMPLATES = [DATA / "loud_errors"]
HANDLERS = [str(DATA / "loud_errors_handlers.py")]


def strict(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def cli(db: Path, *args: str) -> str:
    done = run(tasker(db, *args, templates=TEMPLATES, handlers=HANDLERS))
    assert done.returncode == 0, done.stderr[-2000:]
    assert unwelcome_lines(done.stderr) == [], done.stderr[-2000:]
    return done.stdout


def failed_step(db: Path, context: dict[str, Any]) -> dict[str, Any]:
    created = cli(db, "task", "create", "loud_errors", "--namespace", "reliability",
                  "--context", json.dumps(context), "--json")  # fmt: skip
    cli(db, "worker", "--until-idle", "--quiet")
    [step] = json.loads(cli(db, "task", "get", json.loads(created)["task_uuid"], "--json"))["steps"]
    assert step["current_state"] == "error"
    return dict(step)


def database_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def test_a_20_mb_exception_message_costs_kilobytes_and_shows_what_was_cut(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    step = failed_step(db, {"do": "huge_message", "mb": 20})
    assert step["attempts"] == 2
    message = step["error"]["message"]
    assert message.startswith("éxxx") and len(message.encode()) <= MAX_ERROR_MESSAGE_BYTES
    cut = int(message.rsplit("… truncated ", 1)[1].removesuffix(" bytes"))
    assert cut + len(message.encode()) > 20_000_000  # the marker counts what is missing
    assert database_bytes(db) < 2_000_000
    [(text,)] = rows(db, "SELECT error FROM steps")
    traceback = strict(text)["traceback"]
    assert "RuntimeError" in traceback and traceback.rstrip().endswith("THE END")  # its end kept
    task_uuid = json.loads(cli(db, "task", "list", "--json"))[0]["task_uuid"]
    shown = cli(db, "task", "get", task_uuid)  # a table cell is clipped (…); --json shows all,
    # the stored marker included (read above through --json)
    assert "éxxx" in shown and "…" in shown and len(shown) < 100_000


def test_an_error_over_every_limit_is_kept_readable_in_each_part(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    error = failed_step(db, {"do": "huge_everything", "mb": 5})["error"]
    assert error["error_type"] == "permanent_error"
    assert "… truncated " in error["message"] and "… truncated " in error["error_code"]
    [(text,)] = rows(db, "SELECT error FROM steps")
    metadata = strict(text)["metadata"]
    assert metadata["blob"].startswith("bbb") and "… truncated " in metadata["blob"]
    assert metadata["ratio"] == "NaN"
    assert "… truncated " in metadata["_truncated"] and "rows" in metadata["_truncated"]
    assert database_bytes(db) < 2_000_000


def test_nan_and_infinity_in_error_metadata_are_stored_as_strict_json(tmp_path: Path) -> None:
    db = tmp_path / "tasker.db"
    failed_step(db, {"do": "nan_metadata"})
    [(text,)] = rows(db, "SELECT error FROM steps")
    assert strict(text)["metadata"] == {"ratio": "NaN", "limit": "Infinity", "floor": "-Infinity"}
    for (audit,) in rows(db, "SELECT metadata FROM step_transitions WHERE metadata IS NOT NULL"):
        strict(audit)
