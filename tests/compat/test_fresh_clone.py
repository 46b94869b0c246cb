"""A clone with nothing beside it (no ../shared) still passes: the corpus tests skip with one
line; CI's TASKER_REQUIRE_COMPAT=1 turns that line into a failure; an edited copy is refused."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.external import CORPUS, REPOSITORY, REQUIRE, UPSTREAM_TESTS

CORPUS_TESTS = ["tests/templates/test_compat_corpus.py", "tests/compat/test_run_all.py"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as committed, cloned where nothing lies beside it."""
    if not (REPOSITORY / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: nothing to clone")
    target = tmp_path_factory.mktemp("fresh") / "tasker-console"
    done = subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPOSITORY), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not (target.parent / "shared").exists()
    return target


def run_tests(clone: Path, **env: str) -> subprocess.CompletedProcess[str]:
    plain = {k: v for k, v in os.environ.items() if not k.startswith("TASKER_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *CORPUS_TESTS, "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env={**plain, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_clone_without_the_corpus_skips_its_tests_with_one_line(clone: Path) -> None:
    done = run_tests(clone)
    assert done.returncode == 0, done.stdout[-2000:]
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, skipped  # every corpus test folds into the one reason
    assert CORPUS.missing_line() in skipped[0]
    assert "TASKER_COMPAT_CORPUS" in skipped[0] and "tests/compat/README.md" in skipped[0]
    summary = done.stdout.splitlines()[-1]
    count = re.search(r"(\d+) skipped", summary)
    assert count and skipped[0].startswith(f"SKIPPED [{count[1]}] tests/external.py:"), summary
    assert int(count[1]) > 170 and "failed" not in summary and "error" not in summary


def test_ci_fails_a_clone_without_the_corpus(clone: Path) -> None:
    done = run_tests(clone, **{REQUIRE: "1"})
    assert done.returncode == 1
    assert f"{CORPUS.missing_line()} ({REQUIRE}=1)" in done.stdout


def test_the_variable_finds_a_copy_and_an_edited_copy_is_refused(
    clone: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS.path(), copy)
    assert run_tests(clone, TASKER_COMPAT_CORPUS=str(copy)).returncode == 0
    first = CORPUS.names()[1]
    (copy / first).write_text((copy / first).read_text() + "\n# edited\n")
    done = run_tests(clone, TASKER_COMPAT_CORPUS=str(copy))
    assert done.returncode == 1
    assert f"not the copy in tests/compat/corpus.sha256: 1 changed ({first})" in done.stdout


def test_the_upstream_tests_are_found_by_the_same_locator() -> None:
    folder = UPSTREAM_TESTS.path()
    assert (folder / "SOURCE.md").is_file()
    assert len(UPSTREAM_TESTS.names()) == 92
