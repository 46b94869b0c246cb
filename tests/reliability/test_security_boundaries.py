"""What a template cannot make the engine do. A template is data: its handler names resolve
only to registered handlers or to classes in the modules the operator listed with --handlers
(nothing else is imported), its YAML cannot construct Python objects, and no field of it makes
the engine open, write, run or connect to anything. Proved on real processes under a Python
audit hook that notes every file opened, module imported and process or socket started."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.api import open_engine
from engine.cli import main
from tests.engine.support import HANDLERS as ENGINE_HANDLERS
from tests.reliability.support import DATA, rows, run, unwelcome_lines

AUDITED = DATA / "audited_tasker.py"

CANARY = """
import os
from pathlib import Path

from tasker_core import StepHandler

Path(os.environ["CANARY_MARK"]).write_text("imported")


class Canary(StepHandler):
    handler_name = "canary"

    def call(self, context):
        return {"ran": True}
"""


def audited(
    tmp: Path, db: Path, *args: str, env: dict[str, str] | None = None, handlers: tuple = ()
) -> tuple[Any, list[dict[str, Any]]]:
    """Run ``tasker`` under the audit hook; (the finished process, its notes)."""
    log = tmp / "audit.jsonl"
    log.unlink(missing_ok=True)
    command = [sys.executable, str(AUDITED), "--db", str(db), "--templates", str(tmp / "t")]
    for module in (*ENGINE_HANDLERS, *handlers):
        command += ["--handlers", str(module)]
    done = run([*command, *args], env={"TASKER_AUDIT_LOG": str(log), **(env or {})})
    notes = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done, notes


def write_template(tmp: Path, document: dict[str, Any]) -> None:
    (tmp / "t").mkdir(exist_ok=True)
    (tmp / "t" / f"{document['name']}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def nosy_template(secret: Path, written: Path) -> dict[str, Any]:
    """Every field that could name a file names one: the secret to read, a file to write."""
    where = {"path": str(secret), "file": f"@{secret}", "url": f"file://{secret}"}
    return {
        "name": "nosy",
        "namespace_name": "reliability",
        "version": "1.0.0",
        "description": f"@{secret}",
        "loaded_from": str(secret),
        "source_path": str(secret),
        "input_schema": {"$ref": f"file://{secret}"},
        "system_dependencies": {"files": [str(secret)], "output": str(written)},
        "steps": [
            {
                "name": "read_it",
                "handler": {
                    "callable": "testing_scripted",
                    "initialization": {**where, "outbox_path": str(written)},
                },
                "result_schema": {"$ref": str(secret)},
            },
            {
                "name": f"../../{written.name}",
                "description": f"@{written}",
                "handler": {"callable": "testing_scripted"},
                "dependencies": ["read_it"],
            },
        ],
        "environments": {
            "test": {"steps": [{"name": "ALL", "handler": {"initialization": where}}]}
        },
    }


def test_no_template_field_makes_the_engine_touch_a_file(tmp_path: Path) -> None:
    secret, written = tmp_path / "secret.txt", tmp_path / "written.txt"
    secret.write_text("the operator's secret\n")
    write_template(tmp_path, nosy_template(secret, written))
    db = tmp_path / "tasker.db"
    context = json.dumps({"path": str(secret), "upload": f"@{secret}", "out": str(written)})
    notes = []
    for args in (
        ("--environment", "test", "task", "create", "nosy", "--namespace", "reliability",
         "--context", context),
        ("--environment", "test", "worker", "--until-idle", "--quiet"),
        ("template", "visualize", "reliability/nosy"),
        ("task", "list"),
    ):  # fmt: skip
        done, seen = audited(tmp_path, db, *args)
        assert done.returncode == 0 and unwelcome_lines(done.stderr) == [], done.stderr
        notes += seen
    assert rows(db, "SELECT status FROM tasks") == [("complete",)]
    assert notes, "the audit hook saw nothing; the test proved nothing"
    text = json.dumps(notes)
    assert str(secret) not in text and written.name not in text
    assert not written.exists() and secret.read_text() == "the operator's secret\n"
    assert [n for n in notes if n["event"] in ("launch", "network")] == []
    database_files = {str(db) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    writes = {n["path"] for n in notes if n["event"] == "open" and n["write"]}
    assert writes <= database_files | {str(tmp_path / "audit.jsonl")}


SNEAKY_CALLABLES = [
    "canary_handlers.Canary",
    "canary_handlers",
    "os.system",
    "subprocess.Popen",
    "builtins.exec",
    "importlib.import_module",
    "tests.reliability.data.recording_checkout.record",
]


def create(db: Path, folder: Path, names: list[str]) -> None:
    async def make() -> None:
        async with open_engine(db, templates=[folder]) as engine:
            for name in names:
                await engine.create_task(name, "reliability", {})

    asyncio.run(make())


def one_step(name: str, callable: str, resolver: str | None = None) -> dict[str, Any]:
    handler = {"callable": callable, **({"resolver": resolver} if resolver else {})}
    step = {"name": "call", "handler": handler, "retry": {"max_attempts": 1}}
    return {"name": name, "namespace_name": "reliability", "version": "1.0.0", "steps": [step]}


def test_handler_names_never_import_a_module_the_operator_did_not_list(tmp_path: Path) -> None:
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "canary_handlers.py").write_text(CANARY)
    mark = tmp_path / "canary.imported"
    env = {"PYTHONPATH": str(tmp_path / "mods"), "CANARY_MARK": str(mark)}
    names = [f"sneaky_{n}" for n in range(len(SNEAKY_CALLABLES))]
    for n, (name, callable) in enumerate(zip(names, SNEAKY_CALLABLES, strict=True)):
        write_template(tmp_path, one_step(name, callable, "class_lookup" if n % 2 else None))
    write_template(tmp_path, one_step("listed", "canary"))
    db = tmp_path / "tasker.db"
    create(db, tmp_path / "t", [*names, "listed"])
    done, notes = audited(tmp_path, db, "worker", "--until-idle", "--quiet", env=env)
    assert done.returncode == 0 and unwelcome_lines(done.stderr) == [], done.stderr
    assert not mark.exists(), "a template made the engine import an unlisted module"
    imported = {n["module"] for n in notes if n["event"] == "import"}
    assert imported and "canary_handlers" not in imported
    assert "tests.reliability.data.recording_checkout" not in imported
    assert [n for n in notes if n["event"] in ("launch", "network")] == []
    errors = rows(db, "SELECT DISTINCT json_extract(error, '$.error_type') FROM steps")
    assert errors == [("handler_not_found",)]
    assert rows(db, "SELECT COUNT(*) FROM steps") == [(len(names) + 1,)]

    # Listed by the operator, the same module is imported and its handler runs: the canary works.
    db2 = tmp_path / "listed.db"
    create(db2, tmp_path / "t", ["listed"])
    done, _ = audited(tmp_path, db2, "worker", "--until-idle", "--quiet", env=env,
                      handlers=("canary_handlers",))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert mark.exists()
    assert rows(db2, "SELECT state FROM steps") == [("complete",)]


PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {mark}']",
    "!!python/object/new:os.system ['touch {mark}']",
    '!!python/object/apply:builtins.exec [\'open("{mark}", "w")\']',
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:engine.api.Engine {{}}",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_yaml_python_tags_are_refused_and_never_run(
    tag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark = tmp_path / "pwned"
    folder = tmp_path / "t"
    folder.mkdir()
    bad = folder / "evil.yaml"
    bad.write_text(
        "name: evil\nnamespace_name: reliability\nversion: 1.0.0\n"
        f"description: {tag.format(mark=mark)}\n"
        "steps:\n  - name: a\n    handler: {callable: testing_scripted}\n"
    )
    assert main(["template", "validate", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "remove the tag" in out + err and "Traceback" not in out + err
    code = main(["--db", str(tmp_path / "x.db"), "--templates", str(folder), "template", "list"])
    out, err = capsys.readouterr()
    # The list goes on without it (only 'template validate' fails), naming it once.
    assert code == 0 and err.count("\n") == 1 and "remove the tag" in err
    assert err.startswith(f"{bad}:4: ") and "evil" not in out
    assert not mark.exists()
    assert sorted(os.listdir(tmp_path)) == ["t"]
