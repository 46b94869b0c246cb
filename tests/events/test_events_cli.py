"""``tasker events`` in-process: tables people can read, JSON for scripts, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.events.publishing import PublisherRegistry
from engine.events.subscribing import SubscriberRegistry
from tests.events.support import DATA, HANDLERS, Recorder

Registries = tuple[PublisherRegistry, SubscriberRegistry]


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--templates", str(DATA), "--handlers", HANDLERS[0], *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    return tmp_path / "tasker.db"


def test_events_of_a_task_listed_and_counted(
    capsys: pytest.CaptureFixture[str],
    sqlite_db: Path,
    registries: Registries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # a terminal wide enough for the table
    _, subscribers = registries
    subscribers.register_instance(Recorder(["*"], failures=1), name="mailer")
    context = json.dumps({"order_id": "A-1", "script": {"pay": ["permanent"]}})
    code, out, _ = run(capsys, sqlite_db, "task", "create", "order_events", "--namespace",
                       "events_test", "--context", context, "--json")  # fmt: skip
    assert code == 0
    task_uuid = json.loads(out)["task_uuid"]
    assert run(capsys, sqlite_db, "worker", "--until-idle", "--worker-id", "w1", "--quiet")[0] == 0

    code, out, _ = run(capsys, sqlite_db, "events", "list", "--task", task_uuid[:8], "--json")
    [failed] = json.loads(out)
    assert (failed["name"], failed["state"], failed["payload"]["error_code"]) == (
        "payment.failed", "delivered", "card_declined"
    )  # fmt: skip
    assert [d["outcome"] for d in failed["deliveries"]] == ["failed", "delivered"]

    code, out, _ = run(capsys, sqlite_db, "events", "list", "--task", task_uuid[:8])
    assert code == 0 and "payment.failed" in out and "1 ok/1 failed" in out

    code, out, _ = run(capsys, sqlite_db, "events", "stats", "--json")
    assert json.loads(out)["workers"]["w1"] == {
        "routed": 1, "durable": 1, "fast": 0, "delivered": 1, "failed": 0, "pending": 0
    }  # fmt: skip
    code, out, _ = run(capsys, sqlite_db, "events", "stats")
    assert code == 0 and "w1" in out and "total" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("events", "list", "--limit", "0"), "--limit must be at least 1"),
        (("events", "list", "--task", "zz"), "'zz' is not a task uuid"),
        (("events", "list", "--task", "abcdef12"), "abcdef12"),
        (("events",), "required: ACTION"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], sqlite_db: Path, args: tuple[str, ...], says: str
) -> None:
    code, out, err = run(capsys, sqlite_db, *args)
    assert code == 2 and out == ""
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
