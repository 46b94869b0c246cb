"""What the engine does with what it is given: hostile names and values are stored and read
back as data (every SQL statement takes them as parameters), secrets are masked in CLI output
as in the console, and the database files are readable by their owner only."""

from __future__ import annotations

import ast
import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from tests.engine.support import DATA as ENGINE_DATA
from tests.engine.support import HANDLERS as ENGINE_HANDLERS
from tests.reliability.support import DATA, REPO, illegal_paths, integrity, rows

HOSTILE = [
    "'; DROP TABLE tasks; --",
    'x" OR "1"="1',
    "Robert'); DELETE FROM steps WHERE ('1'='1",
    "%s %(task)s ? :name $1",
    "naïve ☃ 名前 \u202etxt.exe",
    "back\\slash 'quote' \"double\" `tick`",
]
TABLES = [
    "domain_event_deliveries",
    "domain_events",
    "search_terms",  # the search index, and its FTS5 trigram table's own
    "search_text",
    "search_text_config",
    "search_text_data",
    "search_text_docsize",
    "search_text_idx",
    "step_edges",
    "step_transitions",
    "steps",
    "task_contexts",
    "task_transitions",
    "tasks",
    "templates",
]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def hostile_template(folder: Path) -> dict[str, str]:
    names = {"namespace": HOSTILE[0], "name": HOSTILE[1], "version": "1.0.0-'x'", "first": HOSTILE[2], "second": HOSTILE[4]}  # fmt: skip
    document = {
        "name": names["name"],
        "namespace_name": names["namespace"],
        "version": names["version"],
        "steps": [
            {"name": names["first"], "handler": {"callable": "testing_scripted"}},
            {"name": names["second"], "handler": {"callable": "testing_scripted"},
             "dependencies": [names["first"]]},
        ],
    }  # fmt: skip
    folder.mkdir()
    (folder / "hostile.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    return names


def test_hostile_names_and_values_are_stored_as_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = hostile_template(tmp_path / "t")
    base = ["--db", str(tmp_path / "tasker.db"), "--templates", str(tmp_path / "t"),
            "--templates", str(ENGINE_DATA)]  # fmt: skip
    for module in ENGINE_HANDLERS:
        base += ["--handlers", module]
    db = tmp_path / "tasker.db"
    context = {value: value for value in HOSTILE} | {
        "script": {names["first"]: [f"fixed_by:{tmp_path / 'fixed'}"]},
        "nul": "a\u0000b",
    }
    ok = cli(capsys, *base, "task", "create", "flaky_chain", "--namespace", "testing")
    assert ok[0] == 0, ok[2]
    code, out, err = cli(
        capsys, *base, "task", "create", names["name"], "--namespace", names["namespace"],
        "--version", names["version"], "--context", json.dumps(context), "--json",
        "--initiator", HOSTILE[3], "--reason", HOSTILE[5], "--idempotency-key", HOSTILE[0],
    )  # fmt: skip
    assert code == 0, err
    uuid = json.loads(out)["task_uuid"]
    assert cli(capsys, *base, "worker", "--until-idle", "--quiet")[0] == 0
    (tmp_path / "fixed").write_text("the operator fixed it")
    code, out, err = cli(
        capsys, *base, "task", "reset-step", uuid, names["first"],
        "--reason", HOSTILE[2], "--by", HOSTILE[1],
    )  # fmt: skip
    assert code == 0, err
    assert cli(capsys, *base, "worker", "--until-idle", "--quiet")[0] == 0

    # Everything reads back exactly as written.
    task = json.loads(cli(capsys, *base, "task", "get", uuid, "--json", "--reveal")[1])
    assert (task["namespace"], task["name"], task["version"]) == (
        names["namespace"], names["name"], names["version"],
    )  # fmt: skip
    assert task["context"] == context and task["status"] == "complete"
    assert (task["initiator"], task["reason"]) == (HOSTILE[3], HOSTILE[5])
    assert [s["name"] for s in task["steps"]] == [names["first"], names["second"]]
    audit = json.loads(cli(capsys, *base, "task", "step-audit", uuid, names["first"], "--json")[1])
    assert any(r["by"] == HOSTILE[1] and r["reason"] == HOSTILE[2] for r in audit)
    again = cli(capsys, *base, "task", "create", names["name"], "--namespace", names["namespace"],
                "--version", names["version"], "--idempotency-key", HOSTILE[0], "--json")  # fmt: skip
    assert json.loads(again[1])["task_uuid"] == uuid  # the key matched as a value

    # Filters are values too: a quote cannot widen them to every task.
    for namespace, expected in ((names["namespace"], 1), ("x' OR '1'='1", 0), ("testing", 1)):
        code, out, _ = cli(capsys, *base, "task", "list", "--namespace", namespace, "--json")
        assert code == 0 and len(json.loads(out)) == expected, namespace
    for query, expected in ((HOSTILE[3][:20], 1), ("\"x' OR '1'='1\"", 0), ('"%%%"', 0)):
        code, out, _ = cli(capsys, *base, "task", "list", "--search", query, "--json")
        assert code == 0 and json.loads(out)["total"] == expected, query
    assert [t for (t,) in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                   " AND name NOT LIKE 'sqlite_%' ORDER BY name")] == TABLES  # fmt: skip
    assert rows(db, "SELECT COUNT(*) FROM tasks") == [(2,)]
    assert integrity(db) == "ok" and illegal_paths(db) == []


# SQL text is built only from constants: column lists, placeholders ("?, ?"), table names of
# the fixed schema and integer settings. Any other expression formatted into SQL is a value
# that must be passed as a parameter instead.
SQL_FRAGMENTS = {
    "', '.join(columns)", "ORDER[table]", "table", "marks", "sets", "record", "STEP_COLUMNS",
    "TASK_LIST_COLUMNS", "views.TASK_LIST_COLUMNS", "expansion_rows.COLUMNS", "SCHEMA_VERSION",
    "SAFETY_NET_PAGES", "_AUDIT_COLUMNS", "', '.join(STEP_INSERT_COLUMNS)",
    "', '.join(AUDIT_INSERT_COLUMNS)", "_recordset(STEP_INSERT_COLUMNS, _STEP_TYPES)",
    "_recordset(AUDIT_INSERT_COLUMNS, _AUDIT_TYPES)",
    "', '.join((':' + c for c in STEP_INSERT_COLUMNS))",
    "', '.join((':' + c for c in AUDIT_INSERT_COLUMNS))", "' AND '.join(where)", "update",
    "' SKIP LOCKED' if skip_locked else ''", "f', {sets}' if sets else ''", "_TOUCH",
    "sql.EVENT_COLUMNS", "task_filter", "FIRST_READY",
    "where", "contains",  # the search's conditions: constant fragments, values as parameters
    "_COLUMNS", "_OPEN", "_FAILED",  # failure_rows: column names and quoted state enum values
    "event_rows.EVENT_COLUMNS",
    "typed",  # postgres tx: column names and SQL types of a JSON recordset, from constant maps
    "_RELEASE.format(n='gone.n')", "_RELEASE.format(n='1')",  # sqlite incremental: a column or 1
}  # fmt: skip
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|CREATE|DROP|ALTER|WHERE|VALUES)\b")


def formatted_sql(path: Path) -> list[tuple[int, str]]:
    """(line, expression) of every expression formatted into an SQL string in the module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            if SQL.search(text):
                found += [
                    (node.lineno, ast.unparse(v.value))
                    for v in node.values
                    if isinstance(v, ast.FormattedValue)
                ]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            if isinstance(node.left, ast.Constant) and SQL.search(str(node.left.value)):
                if not isinstance(node.right, ast.Constant):
                    found.append((node.lineno, ast.unparse(node.right)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if node.func.attr == "format" and isinstance(target, ast.Constant):
                if SQL.search(str(target.value)):
                    found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_value_is_ever_formatted_into_sql() -> None:
    modules = sorted((REPO / "engine").rglob("*.py"))
    formatted = [(path, line, expr) for path in modules for line, expr in formatted_sql(path)]
    assert formatted, "no SQL built from fragments was found; the scan is broken"
    unvetted = [
        f"{path.relative_to(REPO)}:{line} formats {expr} into SQL"
        for path, line, expr in formatted
        if expr not in SQL_FRAGMENTS
    ]
    assert unvetted == [], "pass values as parameters (or vet a constant fragment here)"


SECRETS = {
    "api_token": "tok_live_51SECRETabcd1234",
    "password": "correct horse battery",
    "card": {"number": "4242424242424242", "cvc": "123"},
}


def test_secrets_are_masked_in_every_cli_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", str(tmp_path / "tasker.db"), "--templates", str(DATA / "misbehaving"),
            "--handlers", str(DATA / "misbehaving_handlers.py")]  # fmt: skip
    context = {"do": "quote_secret", "note": "visible", **SECRETS}
    created = cli(capsys, *base, "task", "create", "misbehaving", "--namespace", "reliability",
                  "--context", json.dumps(context), "--json")  # fmt: skip
    uuid = json.loads(created[1])["task_uuid"]
    assert cli(capsys, *base, "worker", "--until-idle", "--quiet")[0] == 0
    outputs = {"create --json": created[1]}
    for name, args in {
        "get": ("task", "get", uuid),
        "get --json": ("task", "get", uuid, "--json"),
        "steps": ("task", "steps", uuid),
        "steps --json": ("task", "steps", uuid, "--json"),
        "step-audit": ("task", "step-audit", uuid, "answer"),
        "step-audit --json": ("task", "step-audit", uuid, "answer", "--json"),
    }.items():
        code, out, err = cli(capsys, *base, *args)
        assert code == 0, err
        outputs[name] = out
    secrets = ["tok_live_51SECRETabcd1234", "correct horse", "4242424242424242"]
    leaks = {name: [s for s in secrets if s in out] for name, out in outputs.items()}
    assert leaks == {name: [] for name in outputs}
    assert '"api_token": "••••"' in outputs["get"] and "visible" in outputs["get"]
    [step] = json.loads(outputs["get --json"])["steps"]
    assert step["error"]["message"] == "the vendor refused key ••••"  # inside messages too
    revealed = cli(capsys, *base, "task", "get", uuid, "--json", "--reveal")[1]
    assert all(s in revealed for s in secrets)  # the test can see a secret when one shows


OWNER_ONLY = """
import asyncio, os, stat, sys, json
from engine.api import open_engine

async def main(db):
    async with open_engine(db) as engine:
        await engine.create_task("order_processing", "ecommerce", {"items": []})
        return {s: oct(stat.S_IMODE(os.stat(db + s).st_mode))
                for s in ("", "-wal", "-shm") if os.path.exists(db + s)}

os.umask(0)  # the loosest umask: whatever the engine creates gets only the mode it asks for
print(json.dumps(asyncio.run(main(sys.argv[1]))))
"""


def test_the_database_and_its_wal_and_shm_files_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    done = subprocess.run(
        [sys.executable, "-c", OWNER_ONLY, str(db)], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout)
    assert modes == {"": "0o600", "-wal": "0o600", "-shm": "0o600"}
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
