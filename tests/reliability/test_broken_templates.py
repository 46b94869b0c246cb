"""One broken template file among good ones, in real ``tasker`` processes: the worker and the
task list go on with every valid template, report each invalid file once (``file:line:
message``), and only a request for a template that could not be loaded fails, saying why.
``template validate`` stays the strict check. A task whose stored template this tasker cannot
read fails its own steps with a clear error, and the worker runs the others."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from tests.engine.support import DATA as ENGINE_DATA
from tests.engine.support import HANDLERS
from tests.reliability.support import run, tasker, unwelcome_lines

GOOD = ENGINE_DATA / "flaky.yaml"
UNPARSEABLE = "name: y\nnamespace_name: bad\nversion: 1.0.0\n  steps: []\n"  # line 4
EMPTY_CALLABLE = (
    "name: z\nnamespace_name: bad\nversion: 1.0.0\nsteps:\n"
    "  - name: a\n    handler: { callable: '' }\n"  # line 6
)


def folder(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copyfile(GOOD, templates / "flaky.yaml")
    return templates


def cli(db: Path, templates: Path, *args: str) -> tuple[int, str, str]:
    done = run(tasker(db, *args, templates=[templates], handlers=HANDLERS))
    assert unwelcome_lines(done.stderr) == [], done.stderr
    return done.returncode, done.stdout, done.stderr


def break_it(templates: Path) -> tuple[str, str]:
    """Two invalid files beside the good one: the lines their problems are reported as."""
    (templates / "y.yaml").write_text(UNPARSEABLE)
    (templates / "z.yaml").write_text(EMPTY_CALLABLE)
    return f"{templates / 'y.yaml'}:4: YAML syntax error", f"{templates / 'z.yaml'}:6: step 'a'"


def test_a_broken_template_stops_no_worker_and_no_list(tmp_path: Path) -> None:
    db, templates = tmp_path / "tasker.db", folder(tmp_path)
    for order in (1, 2):
        code, _, err = cli(db, templates, "task", "create", "flaky_chain", "--namespace",
                           "testing", "--context", json.dumps({"order": order}))  # fmt: skip
        assert code == 0, err
    unparseable, empty_callable = break_it(templates)

    code, _, err = cli(db, templates, "worker", "--until-idle", "--quiet")
    assert code == 0, err
    assert err.count(unparseable) == 1 and err.count(empty_callable) == 1, err
    assert "2 complete" in err

    code, out, err = cli(db, templates, "task", "list", "--json")
    assert code == 0 and [t["status"] for t in json.loads(out)] == ["complete", "complete"]
    assert err.count(unparseable) == 1 and err.count(empty_callable) == 1, err
    assert len(err.splitlines()) == 2

    code, out, err = cli(db, templates, "template", "list", "--json")
    names = {t["name"] for t in json.loads(out)}
    assert code == 0 and "flaky_chain" in names and not names & {"y", "z"}
    assert err.count(unparseable) == 1 and err.count(empty_callable) == 1, err

    code, _, err = cli(db, templates, "task", "create", "flaky_chain", "--namespace", "testing")
    assert code == 0, err


def test_only_the_broken_templates_tasks_are_refused_quoting_its_problem(tmp_path: Path) -> None:
    db, templates = tmp_path / "tasker.db", folder(tmp_path)
    unparseable, empty_callable = break_it(templates)

    code, _, err = cli(db, templates, "task", "create", "z", "--namespace", "bad")
    *others, last = err.splitlines()
    assert code == 2 and last.startswith("tasker: error: template bad/z could not be loaded: ")
    assert empty_callable in last and "callable" in last
    assert others == [line for line in others if unparseable in line] and len(others) == 1

    code, _, err = cli(db, templates, "task", "create", "y", "--namespace", "bad")
    last = err.splitlines()[-1]
    assert code == 2 and last.startswith("tasker: error: template bad/y could not be loaded: ")
    assert unparseable in last and err.count(unparseable) == 1  # named by its top-level lines

    code, _, err = cli(db, templates, "task", "create", "w", "--namespace", "bad")
    last = err.splitlines()[-1]
    assert code == 2 and last.startswith("tasker: error: no template bad/w")
    assert "2 template files could not be loaded, such as" in last
    assert len(err.splitlines()) == 2  # the file it quotes, and the other one once

    code, out, _ = cli(db, templates, "template", "validate", str(templates))
    assert code == 1 and "1 valid, 2 invalid" in out
    assert unparseable in out and empty_callable in out


def test_a_task_whose_stored_template_cannot_be_read_fails_alone(tmp_path: Path) -> None:
    db, templates = tmp_path / "tasker.db", folder(tmp_path)
    uuids = []
    for order in (1, 2):
        code, out, err = cli(db, templates, "task", "create", "flaky_chain", "--namespace",
                             "testing", "--context", json.dumps({"order": order}), "--json")  # fmt: skip
        assert code == 0, err
        uuids.append(json.loads(out)["task_uuid"])
    # As a newer tasker would store it: a field this one does not know. Both tasks share the
    # template row, so the second one gets a copy under a template id of its own first.
    cx = sqlite3.connect(db)
    with cx:
        cx.execute("INSERT INTO templates SELECT 'newer', namespace, name, version, "
                   "json_set(definition, '$.steps[0].type', 'compensation'), source_path, first_used_at "
                   "FROM templates")  # fmt: skip
        cx.execute("UPDATE tasks SET template_id = 'newer' WHERE task_uuid = ?", (uuids[0],))
    cx.close()

    code, _, err = cli(db, templates, "worker", "--until-idle")
    assert code == 0 and "1 blocked_by_failures, 1 complete" in err, err
    code, out, _ = cli(db, templates, "task", "get", uuids[0], "--json")
    first = json.loads(out)["steps"][0]
    assert (first["current_state"], first["attempts"]) == ("error", 1)
    assert first["error"]["error_code"] == "template_unreadable"
    assert "cannot be read by this tasker" in first["error"]["message"]
    assert "compensation" in first["error"]["message"]
    code, out, _ = cli(db, templates, "task", "get", uuids[1], "--json")
    assert json.loads(out)["status"] == "complete"
