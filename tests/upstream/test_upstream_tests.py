"""Tasker's own unit tests (tests/compat/README.md) pass against this ``tasker_core``.

One run of the whole upstream folder per session, in a subprocess with upstream's settings;
then, per upstream module, at least the number of tests ``expected.txt`` records must pass
and exactly the recorded number must be collected, so a run that collects nothing, or loses
a module to an import error, fails. ``excluded.txt`` lists what is not run and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.external import CORPUS, REPOSITORY, UPSTREAM_TESTS
from tests.upstream import runner

EXPECTED = runner.read_expectations()
EXCLUDED = runner.read_exclusions()
RUST_BOUND_MODULES = {name for name in EXCLUDED if "::" not in name}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, runner.ModuleResult]:
    upstream, corpus = UPSTREAM_TESTS.path(), CORPUS.path()
    workdir = tmp_path_factory.mktemp("upstream")
    report = runner.run(upstream, corpus, workdir, REPOSITORY, EXCLUDED)
    return runner.count(report)


def upstream_modules() -> list[str]:
    """The upstream test modules, from the manifest (known even without the folder)."""
    return sorted(
        name
        for name in UPSTREAM_TESTS.names()
        if "/" not in name and name.startswith("test_") and name.endswith(".py")
    )


def test_every_module_is_either_expected_or_excluded() -> None:
    modules = set(upstream_modules())
    assert modules, "the manifest lists no upstream test modules"
    assert set(EXPECTED) | RUST_BOUND_MODULES == modules
    assert not set(EXPECTED) & RUST_BOUND_MODULES


def test_exclusions_name_real_modules_with_reasons() -> None:
    modules = set(upstream_modules())
    for target, reason in EXCLUDED.items():
        assert target.split("::")[0] in modules, f"{target}: no such upstream module"
        assert len(reason.split()) >= 3, f"{target}: give a reason"


def test_tasker_core_comes_from_this_checkout() -> None:
    UPSTREAM_TESTS.path()  # only meaningful (and only needed) where the tests are run
    found = Path(runner.which_tasker_core(REPOSITORY))
    assert found.is_relative_to(REPOSITORY / "tasker_core"), found


@pytest.mark.parametrize("module", sorted(EXPECTED))
def test_upstream_module(module: str, results: dict[str, runner.ModuleResult]) -> None:
    expected = EXPECTED[module]
    got = results.get(module, runner.ModuleResult())
    if expected.collected is None:
        assert got.import_error, f"{module} imports now: record its counts in expected.txt"
        return
    assert not got.import_error, f"{module} no longer imports (see the run's output.txt)"
    assert got.collected == expected.collected, (
        f"{module}: collected {got.collected}, expected {expected.collected}"
    )
    assert got.passed >= expected.passed, (
        f"{module}: {got.passed}/{got.collected} passed, expected at least {expected.passed}"
    )


def test_total_passed_meets_the_recorded_total(results: dict[str, runner.ModuleResult]) -> None:
    passed = sum(result.passed for result in results.values())
    assert passed >= sum(expectation.passed for expectation in EXPECTED.values())
