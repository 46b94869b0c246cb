"""Task ids as people use them: the CLI and console show the tail; any unique start or end works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.api import Engine
from engine.cli import main
from engine.ids import short_id
from engine.store import AmbiguousPrefix, TaskNotFound
from tests.engine.support import DATA, HANDLERS


async def three_tasks_in_one_millisecond(engine: Engine) -> list[str]:
    """UUIDv7 begins with the creation time, so these share their first 13 characters."""
    made = [
        await engine.create_task("flaky_chain", "testing", {"n": n}, idempotency_key=f"k{n}")
        for n in range(3)
    ]
    return [m.task["task_uuid"] for m in made]


async def test_tasks_created_together_share_a_prefix_but_not_a_tail(engine: Engine) -> None:
    uuids = await three_tasks_in_one_millisecond(engine)
    assert len({u[:13] for u in uuids}) == 1
    assert len({short_id(u) for u in uuids}) == 3
    for uuid in uuids:
        assert await engine.resolve(short_id(uuid)) == uuid
        assert await engine.resolve(short_id(uuid).upper()) == uuid
        assert await engine.resolve(uuid) == uuid
        assert await engine.resolve(uuid[:24]) == uuid  # a prefix long enough to be unique


async def test_an_ambiguous_start_names_the_tails_that_tell_the_tasks_apart(
    engine: Engine,
) -> None:
    uuids = await three_tasks_in_one_millisecond(engine)
    with pytest.raises(AmbiguousPrefix) as caught:
        await engine.resolve(uuids[0][:8])
    message = str(caught.value)
    assert "\n" not in message
    assert f"'{uuids[0][:8]}' matches 3 tasks" in message
    assert all(f"…{short_id(u)}" in message for u in uuids)
    assert "give one of these tails or more characters" in message


async def test_unknown_and_malformed_ids_are_one_line_errors(engine: Engine) -> None:
    await three_tasks_in_one_millisecond(engine)
    with pytest.raises(TaskNotFound, match="no task matches 'abcdef12'"):
        await engine.resolve("abcdef12")
    with pytest.raises(TaskNotFound, match="no task 00000000-0000-7000-8000-000000000000"):
        await engine.resolve("00000000-0000-7000-8000-000000000000")
    with pytest.raises(TaskNotFound, match="is not a task uuid"):
        await engine.resolve("tok_visa")


def cli(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    base = ["--db", str(db), "--templates", str(DATA)]
    for module in HANDLERS:
        base += ["--handlers", module]
    code = main([*base, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_task_list_shows_the_tail_and_every_command_takes_it_back(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    created = []
    for n in range(2):
        context = json.dumps({"n": n})
        _, out, _ = cli(
            capsys, db, "task", "create", "flaky_chain", "--namespace", "testing",
            "--context", context, "--json",
        )  # fmt: skip
        created.append(json.loads(out)["task_uuid"])
    _, listing, _ = cli(capsys, db, "task", "list")
    for uuid in created:
        assert short_id(uuid) in listing
        code, out, _ = cli(capsys, db, "task", "get", short_id(uuid), "--json")
        assert code == 0 and json.loads(out)["task_uuid"] == uuid
    code, out, _ = cli(capsys, db, "task", "cancel", short_id(created[0]), "--reason", "typo")
    assert code == 0 and out == f"cancel: task {short_id(created[0])} is now cancelled\n"


def test_an_ambiguous_id_on_the_cli_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    uuids = []
    for n in range(2):
        _, out, _ = cli(
            capsys, db, "task", "create", "flaky_chain", "--namespace", "testing",
            "--context", json.dumps({"n": n}), "--json",
        )  # fmt: skip
        uuids.append(json.loads(out)["task_uuid"])
    common = next(i for i in range(36) if uuids[0][i] != uuids[1][i])
    code, out, err = cli(capsys, db, "task", "get", uuids[0][:common])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "matches 2 tasks" in err
    assert f"…{short_id(uuids[1])}" in err and "Traceback" not in err


def test_a_new_id_is_a_canonical_uuid7_that_starts_with_its_millisecond() -> None:
    import uuid

    from engine.ids import new_uuid

    for ms in (0, 1, 1_767_225_600_000, (1 << 48) - 1):
        for _ in range(200):
            text = new_uuid(ms)
            parsed = uuid.UUID(text)
            assert str(parsed) == text  # lower-case hex, dashes where they belong
            assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
            assert parsed.int >> 80 == ms
