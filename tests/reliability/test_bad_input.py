"""Every user mistake in the table gets one line on stderr saying what is wrong, exit code 2,
no traceback, and leaves the database exactly as it was."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from engine.api import open_engine
from engine.cli import main
from tests.engine.support import DATA as ENGINE_DATA
from tests.engine.support import HANDLERS as ENGINE_HANDLERS
from tests.reliability.bad_input_cases import CASES, Case
from tests.reliability.support import snapshot


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A database with a blocked, a complete and a pending task."""
    db = tmp_path_factory.mktemp("base") / "base.db"

    async def build() -> dict[str, str]:
        async with open_engine(db, templates=[ENGINE_DATA], handlers=ENGINE_HANDLERS) as engine:
            blocked = await engine.create_task(
                "flaky_chain", "testing", {"script": {"first": ["permanent"]}}
            )
            complete = await engine.create_task("flaky_chain", "testing", {"order": 1})
            await engine.run_until_idle()
            pending = await engine.create_task("flaky_chain", "testing", {"order": 2})
        made = {"blocked": blocked, "complete": complete, "pending": pending}
        return {name: m.task["task_uuid"] for name, m in made.items()}

    uuids = asyncio.run(build())
    first, *others = uuids.values()
    shared = next(
        (n for n in range(len(first), 0, -1) if all(o[:n] == first[:n] for o in others)), 0
    )
    assert shared >= 4, "the uuids share no start to be ambiguous about"
    uuids["prefix"] = first[:shared]
    return db, uuids


def fill(arg: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        arg = arg.replace("{" + name + "}", value)
    return arg


def prepared(
    case: Case, base: tuple[Path, dict[str, str]], tmp_path: Path
) -> tuple[Path, list[str]]:
    source, uuids = base
    db = tmp_path / "tasker.db"
    shutil.copyfile(source, db)
    os.chmod(db, 0o600)
    names = {"dir": str(tmp_path), "db": str(db), **uuids}
    for relative, content in case.files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content.replace("{dir}", str(tmp_path)) if isinstance(content, str) else content
        path.write_bytes(text.encode() if isinstance(text, str) else text)
    if case.setup is not None:
        case.setup(db, tmp_path)
    args = [fill(arg, names) for arg in case.args]
    prefix = ["--db", str(db), "--templates", str(ENGINE_DATA)]
    for module in ENGINE_HANDLERS:
        prefix += ["--handlers", module]
    return db, [*prefix, *args]


def test_the_table_covers_every_kind_of_bad_input() -> None:
    kinds = {case.id.split("-")[0] for case in CASES}
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)
    assert {"yaml", "schema", "graph", "context", "uuid", "db", "handlers"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(
    case: Case,
    base: tuple[Path, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, argv = prepared(case, base, tmp_path)
    before = snapshot(db)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == case.code, (out, err)
    assert err.startswith("tasker: error: ") and err.count("\n") == 1, err
    assert case.says in err, err
    assert "Traceback" not in err and out == ""
    assert "hunter2" not in err  # a password in a --db URL is never echoed
    assert snapshot(db) == before
    # Nothing written beside it either (a template's YAML tag ran no command, for one).
    left = [p.name for p in tmp_path.iterdir() if not p.name.startswith("tasker.db")]
    assert sorted(left) == [n for n in files_before if not n.startswith("tasker.db")]
