"""Run Tasker's own unit tests against this checkout's ``tasker_core`` and count the results.

The upstream folder is copied to a scratch directory and run by a separate pytest with
upstream's own settings (``asyncio_mode = auto``, ``--strict-markers``), so this suite's
settings (``filterwarnings = error``, its conftest, its plugins' options) never reach it.
``tasker_core`` comes from this checkout, put first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected.txt"
EXCLUDED = HERE / "excluded.txt"
# Upstream's pytest settings (its pyproject's [tool.pytest.ini_options]), nothing of ours.
UPSTREAM_INI = "[pytest]\nasyncio_mode = auto\naddopts = --strict-markers\n"
# Needs a running Tasker orchestration server; not part of the unit tests.
NOT_UNIT_TESTS = ("integration",)
IMPORT_ERROR = "-"
# Upstream's layout: the tests sit in crates/tasker-py/tests of the tasker-core checkout, and
# some read the checkout's template fixtures, which the corpus holds under flattened names.
TESTS_DIR = Path("crates") / "tasker-py" / "tests"
FIXTURES_DIR = Path("tests") / "fixtures" / "task_templates" / "python"
FIXTURE_PREFIX = "tasker-core__tests__fixtures__task_templates__python__"


@dataclass(frozen=True)
class Expectation:
    module: str  # "test_models.py"
    passed: int  # at least this many must pass
    collected: int | None  # exactly this many collected; None: the module does not import


@dataclass
class ModuleResult:
    passed: int = 0
    collected: int = 0
    import_error: bool = False


def read_exclusions(path: Path = EXCLUDED) -> dict[str, str]:
    """``<module or node id> -- <reason>`` per line (``#`` comments) → id -> reason."""
    exclusions: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        target, sep, reason = line.partition(" -- ")
        if not sep or not target.strip() or not reason.strip():
            raise ValueError(f"{path.name} line {number}: write '<test id> -- <reason>'")
        exclusions[target.strip()] = reason.strip()
    return exclusions


def read_expectations(path: Path = EXPECTED) -> dict[str, Expectation]:
    """``<module> <passed> <collected or ->`` per line (``#`` comments)."""
    expected: dict[str, Expectation] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 3:
            raise ValueError(f"{path.name} line {number}: write '<module> <passed> <collected>'")
        module, passed, collected = fields
        total = None if collected == IMPORT_ERROR else int(collected)
        expected[module] = Expectation(module, int(passed), total)
    return expected


def pytest_arguments(exclusions: dict[str, str]) -> list[str]:
    """Whole modules are ignored, single tests deselected."""
    tests = TESTS_DIR.as_posix()
    arguments = [f"--ignore={tests}/{name}" for name in NOT_UNIT_TESTS]
    for target in sorted(exclusions):
        flag = "--deselect" if "::" in target else "--ignore"
        arguments.append(f"{flag}={tests}/{target}")
    return arguments


def lay_out(upstream: Path, corpus: Path, workdir: Path) -> None:
    """Upstream's tests and the template fixtures they read, where upstream has them."""
    shutil.copytree(upstream, workdir / TESTS_DIR, ignore=shutil.ignore_patterns("__pycache__"))
    fixtures = workdir / FIXTURES_DIR
    fixtures.mkdir(parents=True)
    for path in sorted(corpus.glob(FIXTURE_PREFIX + "*")):
        shutil.copy(path, fixtures / path.name.removeprefix(FIXTURE_PREFIX))
    (workdir / "pytest.ini").write_text(UPSTREAM_INI, encoding="utf-8")


def run(
    upstream: Path, corpus: Path, workdir: Path, repository: Path, exclusions: dict[str, str]
) -> Path:
    """Lay the tests out under ``workdir`` and run them; returns the JUnit XML report's path."""
    lay_out(upstream, corpus, workdir)
    report = workdir / "report.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTHONPATH"] = str(repository)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [
        sys.executable,
        "-m",
        "pytest",
        TESTS_DIR.as_posix(),
        "-q",
        "-p",
        "no:cacheprovider",
        "--continue-on-collection-errors",
        f"--junitxml={report}",
        *pytest_arguments(exclusions),
    ]
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=240
    )
    (workdir / "output.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    if not report.exists():
        raise RuntimeError(f"upstream run wrote no report:\n{done.stdout[-3000:]}{done.stderr}")
    return report


def count(report: Path) -> dict[str, ModuleResult]:
    """Per upstream module (``test_x.py``): tests collected, passed, or an import error."""
    results: dict[str, ModuleResult] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        classname = case.get("classname") or ""
        outcome = Counter(child.tag for child in case)
        if not classname:  # a module that failed to import: name is "…tests.test_x"
            module = (case.get("name") or "").rsplit(".", 1)[-1] + ".py"
            results.setdefault(module, ModuleResult()).import_error = True
            continue
        parts = classname.split(".")
        module = next((p for p in parts if p.startswith("test_")), parts[-1]) + ".py"
        result = results.setdefault(module, ModuleResult())
        result.collected += 1
        if not (outcome["failure"] or outcome["error"] or outcome["skipped"]):
            result.passed += 1
    return results


def which_tasker_core(repository: Path) -> str:
    """Where a subprocess with the run's ``PYTHONPATH`` imports ``tasker_core`` from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(repository)
    done = subprocess.run(
        [sys.executable, "-c", "import tasker_core; print(tasker_core.__file__)"],
        env=env,
        cwd=repository.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()
