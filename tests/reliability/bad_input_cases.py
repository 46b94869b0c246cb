"""The table of user mistakes the CLI must refuse: each with the words its one-line message
must contain. Placeholders: {dir} (a folder of the case's own), {db}, {blocked}, {complete},
{pending} (task uuids in the database) and {prefix} (a start every uuid shares)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Setup = Callable[[Path, Path], None]  # (database, the case's folder)


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    says: str  # part of the one-line message
    files: dict[str, str | bytes] = field(default_factory=dict)  # written under {dir}
    setup: Setup | None = None
    code: int = 2


def template(id: str, text: str | bytes, says: str, extra: dict[str, str] | None = None) -> Case:
    """A template folder holding one bad file; creating a task from it must fail."""
    return Case(
        id,
        ("--templates", "{dir}/t", "task", "create", "x", "--namespace", "bad"),
        says,
        files={"t/x.yaml": text, **(extra or {})},
    )


def create(id: str, context: str, says: str, files: dict[str, str | bytes] | None = None) -> Case:
    return Case(
        id,
        ("task", "create", "flaky_chain", "--namespace", "testing", "--context", context),
        says,
        files=files or {},
    )


HEAD = "name: x\nnamespace_name: bad\nversion: 1.0.0\n"
STEP = "steps:\n  - name: a\n    handler: { callable: testing_scripted }\n"
BOMB = (
    HEAD
    + 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    + STEP
    + "    handler_config: *a8\n"
)
DEEP = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
NESTED_900 = '{"a": ' + "[" * 900 + "]" * 900 + "}"  # task get crashed on it, once stored
NESTED_101 = '{"a": ' + "[" * 100 + "]" * 100 + "}"  # one level past the limit
HUGE_INTEGER = '{"n": ' + "7" * 5_000 + "}"
INIT = "    handler:\n      callable: testing_scripted\n      initialization:\n        x: "
YAML_1500_DEEP = HEAD + "steps:\n  - name: a\n" + INIT + "[" * 1_500 + "]" * 1_500 + "\n"
YAML_150_DEEP = HEAD + "steps:\n  - name: a\n" + INIT + "[" * 150 + "]" * 150 + "\n"
TEN_THOUSAND_STEPS = (
    HEAD
    + "steps:\n"
    + "".join(
        f"  - name: s{i}\n    handler: {{ callable: testing_scripted }}\n"
        + (f"    dependencies: [s{i - 1}]\n" if i else "")
        for i in range(10_000)
    )
)
BIG = '{"blob": "' + "x" * 1_100_000 + '"}'


def newer_schema(db: Path, _: Path) -> None:
    cx = sqlite3.connect(db)
    cx.execute("PRAGMA user_version = 99")
    cx.close()


def not_sqlite(db: Path, _: Path) -> None:
    db.write_text("these are my notes, not a database\n" * 100)


def foreign(db: Path, _: Path) -> None:
    """Another application's SQLite file where --db points."""
    db.unlink()
    cx = sqlite3.connect(db)
    cx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    cx.execute("INSERT INTO notes (body) VALUES ('buy milk')")
    cx.commit()
    cx.close()


def foreign_versioned(db: Path, folder: Path) -> None:
    """Another application's file that keeps its own schema version in user_version."""
    foreign(db, folder)
    cx = sqlite3.connect(db)
    cx.execute("PRAGMA user_version = 3")
    cx.close()


def corrupt(db: Path, _: Path) -> None:
    db.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)


TEMPLATES = [
    template("yaml-indentation", HEAD + "  steps: []\n", "YAML syntax error"),
    template("yaml-unclosed-bracket", HEAD + "steps: [\n", "YAML syntax error"),
    template("yaml-unclosed-quote", HEAD + 'description: "oops\n' + STEP, "YAML syntax error"),
    template(
        "yaml-python-object",
        HEAD.replace("x\n", "!!python/object/apply:os.system ['touch {dir}/pwned']\n", 1) + STEP,
        "remove the tag",
    ),
    template("yaml-python-name", HEAD + "description: !!python/name:os.system\n" + STEP, "tag"),
    template("yaml-two-documents", HEAD + STEP + "---\n" + HEAD + STEP, "one YAML document"),
    template("yaml-duplicate-key", HEAD + "name: y\n" + STEP, "name"),
    template("yaml-alias-bomb", BOMB, "aliases expand to over"),
    template("yaml-nested-1500-deep", YAML_1500_DEEP, ":9: it is nested too deeply"),
    template("yaml-nested-150-deep", YAML_150_DEEP, "more than 100 levels"),
    template(
        "schema-10000-steps",
        TEN_THOUSAND_STEPS,
        "(10000 steps), over the limit of 100000 for one template; split the workflow",
    ),
    template("yaml-not-utf8", HEAD.encode() + b"description: caf\xe9\n" + STEP.encode(), "UTF-8"),
    template("schema-not-a-mapping", "- a\n- b\n", "must be a YAML mapping"),
    template("schema-empty-file", "", "is empty"),
    template("schema-missing-name", "namespace_name: bad\nversion: 1.0.0\n" + STEP, "name"),
    template("schema-name-is-a-list", HEAD.replace("name: x", "name: [x]", 1) + STEP, "name"),
    template("schema-step-not-a-mapping", HEAD + "steps:\n  - just a string\n", "step"),
    template("schema-empty-callable", HEAD + STEP.replace("testing_scripted", "''"), "callable"),
    template(
        "schema-attempts-not-a-number",
        HEAD + STEP + "    retry: { max_attempts: three }\n",
        "max_attempts",
    ),
    template("schema-backoff-kind", HEAD + STEP + "    retry: { backoff: sideways }\n", "backoff"),
    template("schema-negative-timeout", HEAD + STEP + "    timeout_seconds: -5\n", "timeout"),
    template(
        "graph-cycle",
        HEAD + STEP + "    dependencies: [b]\n"
        "  - name: b\n    handler: { callable: h }\n    dependencies: [a]\n",
        "cycle",
    ),
    template("graph-self-dependency", HEAD + STEP + "    dependencies: [a]\n", "depends on itself"),
    template("graph-missing-step", HEAD + STEP + "    dependencies: [ghost]\n", "not a step"),
    template(
        "graph-duplicate-step",
        HEAD + STEP + "  - name: a\n    handler: { callable: h }\n",
        "used twice",
    ),
    template(
        "catalog-same-template-twice",
        HEAD + STEP,
        "already defines",
        extra={"t/copy.yaml": HEAD + STEP},
    ),
    Case(
        "catalog-folder-missing",
        ("--templates", "{dir}/nope", "template", "list"),
        "does not exist",
    ),
]

CONTEXTS = [
    create("context-not-json", "{oops", "--context is not valid JSON"),
    create("context-an-array", "[1, 2]", "--context must be a JSON object"),
    create("context-a-string", '"text"', "--context must be a JSON object"),
    create("context-nan", '{"ratio": NaN}', "NaN, which is not JSON"),
    create("context-infinity", '{"ratio": -Infinity}', "-Infinity, which is not JSON"),
    create("context-too-deep", "@{dir}/deep.json", "nested too deeply", {"deep.json": DEEP}),
    create(
        "context-nested-900-deep",
        "@{dir}/deep.json",
        "more than 100 levels of objects and lists",
        {"deep.json": NESTED_900},
    ),
    create(
        "context-nested-101-deep",
        "@{dir}/deep.json",
        "more than 100 levels of objects and lists",
        {"deep.json": NESTED_101},
    ),
    create(
        "context-5000-digit-integer",
        "@{dir}/n.json",
        "an integer of over 4300 digits, outside the 64-bit range",
        {"n.json": HUGE_INTEGER},
    ),
    create(
        "context-integer-past-64-bits",
        '{"n": 18446744073709551616}',
        "an integer of 20 digits, outside the 64-bit range",
    ),
    create(
        "context-oversized", "@{dir}/big.json", "over the 1000000 byte limit", {"big.json": BIG}
    ),
    create("context-lone-surrogate", '{"name": "\\ud800"}', "not valid Unicode"),
    create("context-file-missing", "@{dir}/nope.json", "cannot read --context file"),
    create("context-file-a-folder", "@{dir}", "cannot read --context file"),
    create(
        "context-file-not-utf8",
        "@{dir}/latin1.json",
        "not UTF-8",
        {"latin1.json": b'{"name": "caf\xe9"}'},
    ),
]

ARGUMENTS = [
    Case("uuid-unknown", ("task", "get", "0000dead"), "no task matches '0000dead'"),
    Case("uuid-not-hex", ("task", "get", "zz-not-hex"), "is not a task uuid"),
    Case("uuid-ambiguous", ("task", "get", "{prefix}"), "matches"),
    Case("uuid-newline", ("task", "get", "ab\ncd"), "is not a task uuid"),
    Case("give-up-pending-task", ("task", "give-up", "{pending}"), "blocked_by_failures"),
    Case("give-up-complete-task", ("task", "give-up", "{complete}"), "blocked_by_failures"),
    Case("cancel-complete-task", ("task", "cancel", "{complete}"), "complete"),
    Case(
        "reset-complete-step",
        ("task", "reset-step", "{complete}", "first", "--reason", "r"),
        "complete",
    ),
    Case(
        "reset-pending-step",
        ("task", "reset-step", "{pending}", "first", "--reason", "r"),
        "reset-step needs a step in error",
    ),
    Case(
        "resolve-unknown-step",
        ("task", "resolve-step", "{blocked}", "ghost", "--reason", "r"),
        "has no step 'ghost'",
    ),
    Case(
        "complete-step-result-not-json",
        ("task", "complete-step", "{blocked}", "first", "--result", "{x", "--reason", "r"),
        "--result is not valid JSON",
    ),
    Case(
        "complete-step-result-array",
        ("task", "complete-step", "{blocked}", "first", "--result", "[]", "--reason", "r"),
        "--result must be a JSON object",
    ),
    Case(
        "complete-step-result-oversized",
        (
            "task",
            "complete-step",
            "{blocked}",
            "first",
            "--result",
            "@{dir}/big.json",
            "--reason",
            "r",
        ),
        "over the 1000000 byte limit",
        files={"big.json": BIG},
    ),
    Case("step-audit-unknown-step", ("task", "step-audit", "{blocked}", "ghost"), "no step"),
    Case(
        "dry-run-unknown-step",
        ("task", "resolve-step", "{blocked}", "ghost", "--reason", "r", "--dry-run"),
        "has no step 'ghost'",
    ),
    Case(
        "edit-context-nothing-given",
        ("task", "edit-context", "{blocked}", "--reason", "r"),
        "give the new context: --file CTX.json, or --set KEY=VALUE",
    ),
    Case(
        "edit-context-set-without-value",
        ("task", "edit-context", "{blocked}", "--set", "order", "--reason", "r"),
        "--set takes KEY=VALUE",
    ),
    Case(
        "edit-context-set-into-a-list",
        ("task", "edit-context", "{blocked}", "--set", "script.first.x=1", "--reason", "r"),
        "'first' holds a list, not an object",
    ),
    Case(
        "edit-context-unchanged",
        (
            "task",
            "edit-context",
            "{blocked}",
            "--set",
            'script.first=["permanent"]',
            "--reason",
            "r",
        ),
        "the context is unchanged",
    ),
    Case(
        "edit-context-file-not-json",
        ("task", "edit-context", "{blocked}", "--file", "{dir}/c.json", "--reason", "r"),
        "--file is not valid JSON",
        files={"c.json": "{nope"},
    ),
    Case(
        "edit-context-finished-task",
        ("task", "edit-context", "{complete}", "--set", "order=9", "--reason", "r"),
        "only an unfinished task's context can be edited",
    ),
    Case(
        "edit-context-no-reason", ("task", "edit-context", "{blocked}", "--set", "a=1"), "--reason"
    ),
    Case("unknown-command", ("task", "frobnicate"), "invalid choice"),
    Case("missing-namespace", ("task", "create", "flaky_chain"), "--namespace"),
    Case("missing-reason", ("task", "reset-step", "{blocked}", "first"), "--reason"),
    Case("failures-no-selection", ("failures", "retry", "--reason", "r"), "name the failures"),
    Case("failures-no-group", ("failures", "retry", "zz", "--reason", "r"), "is 'zz'; list them"),
    Case("failures-no-reason", ("failures", "resolve", "--step", "first"), "--reason"),
    Case("failures-blank-reason", ("failures", "give-up", "a", "--reason", " "), "must say why"),
    Case("failures-none-match", ("failures", "retry", "--code", "x", "--reason", "r"), "matches"),
    Case("failures-unknown-action", ("failures", "undo"), "invalid choice"),
    Case("limit-zero", ("task", "list", "--limit", "0"), "--limit must be at least 1"),
    Case("limit-not-a-number", ("task", "list", "--limit", "many"), "--limit must be a whole"),
    Case(
        "limit-past-any-integer",
        ("task", "list", "--limit", "99999999999999999999999"),
        "--limit must be at most 1000000",
    ),
    Case(
        "limit-5000-digits",
        ("task", "list", "--limit", "9" * 5_000),
        "(5000 characters)",
    ),
    Case("status-unknown", ("task", "list", "--status", "finished"), "is not a task status"),
    Case("search-unknown-field", ("task", "list", "--search", "colour:red"), "unknown field"),
    Case("search-unclosed-quote", ("task", "list", "--search", '"card'), "quote is not closed"),
    Case("concurrency-zero", ("worker", "--concurrency", "0"), "--concurrency must be at least 1"),
    Case("lease-zero", ("worker", "--lease-seconds", "0"), "--lease-seconds must be positive"),
    Case("lease-nan", ("worker", "--lease-seconds", "nan"), "a number of seconds from 0.1"),
    Case("lease-infinite", ("worker", "--lease-seconds", "inf"), "a number of seconds from 0.1"),
    Case("lease-1e300", ("worker", "--lease-seconds", "1e300"), "from 0.1 to 86400 seconds"),
    Case(
        "concurrency-past-any-integer",
        ("worker", "--concurrency", "99999999999999999999"),
        "--concurrency must be at most 1000",
    ),
    Case("orders-negative", ("demo", "--orders", "-5"), "--orders must be at least 1"),
    Case(
        "complete-step-result-nested-900-deep",
        (
            "task",
            "complete-step",
            "{blocked}",
            "first",
            "--result",
            "@{dir}/deep.json",
            "--reason",
            "r",
        ),
        "more than 100 levels",
        files={"deep.json": NESTED_900},
    ),
    Case("template-unknown", ("task", "create", "nope", "--namespace", "testing"), "no template"),
    Case(
        "template-version-unknown",
        ("task", "create", "flaky_chain", "--namespace", "testing", "--version", "9.9.9"),
        "its versions are",
    ),
    Case("argument-not-utf8", ("task", "list", "--namespace", "caf\udce9"), "not UTF-8"),
    Case(
        "handlers-no-such-module",
        ("--handlers", "no_such_module_anywhere", "worker"),
        "cannot import",
    ),
    Case(
        "handlers-not-python",
        ("--handlers", "{dir}/notes.txt", "worker"),
        "is not a .py file",
        files={"notes.txt": "hello"},
    ),
    Case(
        "handlers-syntax-error",
        ("--handlers", "{dir}/broken_handlers.py", "worker"),
        "SyntaxError",
        files={"broken_handlers.py": "def oops(:\n"},
    ),
    Case(
        "handlers-exit-on-import",
        ("--handlers", "{dir}/exiting_handlers.py", "worker"),
        "raised SystemExit(3) (sys.exit) while being imported",
        files={"exiting_handlers.py": "import sys\n\nsys.exit(3)\n"},
    ),
    Case(
        "environment-unknown",
        ("--environment", "nosuchenv", "task", "list"),
        "unknown environment 'nosuchenv'",
    ),
    Case(
        "environment-misspelt",
        ("--environment", "prodution", "task", "create", "flaky_chain", "--namespace", "testing"),
        "did you mean 'production'?",
    ),
    Case(
        "handlers-raise-on-import",
        ("--handlers", "{dir}/angry_handlers.py", "worker"),
        "RuntimeError: no config",
        files={"angry_handlers.py": "raise RuntimeError('no config')\n"},
    ),
]

DATABASES = [
    Case(
        "db-newer-schema",
        ("task", "list"),
        "newer than this tasker understands",
        setup=newer_schema,
    ),
    Case("db-not-sqlite", ("task", "list"), "is not a tasker database", setup=not_sqlite),
    Case("db-corrupt", ("task", "list"), "is not a tasker database", setup=corrupt),
    Case("db-another-applications", ("task", "list"), "of another application", setup=foreign),
    Case(
        "db-another-applications-versioned",
        ("task", "create", "flaky_chain", "--namespace", "testing"),
        "(it holds tables notes, none of tasker's)",
        setup=foreign_versioned,
    ),
    Case(
        "db-url-mysql",
        ("--db", "mysql://root:hunter2@localhost/tasker", "task", "list"),
        "unsupported database URL scheme 'mysql://'",
    ),
    Case(
        "db-url-sqlite-two-slashes",
        ("--db", "sqlite://tasker.db", "task", "list"),
        "a sqlite URL takes three slashes",
    ),
    Case("db-is-a-folder", ("--db", "{dir}", "task", "list"), "is a folder"),
    Case("db-folder-missing", ("--db", "{dir}/nope/x.db", "task", "list"), "does not exist"),
]

CASES = [*TEMPLATES, *CONTEXTS, *ARGUMENTS, *DATABASES]
