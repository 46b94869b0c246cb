"""Every real Tasker template in the compat corpus loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import dag
from engine.templates import load_template

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "compat" / "templates"
FILES = sorted(CORPUS.glob("*.yaml")) + sorted(CORPUS.glob("*.yml"))


def test_the_corpus_is_there_and_complete() -> None:
    assert CORPUS.is_dir(), f"the compat corpus is missing at {CORPUS}"
    assert len(FILES) == 170


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:80])
def test_template_loads(path: Path) -> None:
    template = load_template(path).template
    assert template.name and template.namespace_name and template.version
    assert template.steps, "every corpus template has steps"
    names = {s.name for s in template.steps}
    for step in template.steps:
        assert set(step.dependencies) <= names
    assert dag.find_cycle(template.dependency_map()) is None
    assert dag.initial_step_names(template), "a task of it would start with no step"
