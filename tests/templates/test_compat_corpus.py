"""Every real Tasker template in the compat corpus loads, and its fields are read as Tasker does.

The corpus is found by tests/external.py: on a clone without it these tests skip with one line;
CI (TASKER_REQUIRE_COMPAT=1) fails them instead.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine import dag
from engine.templates import StepType, TemplateCatalog, TemplateError, load_template
from tests.external import CORPUS, corpus_template_names

NAMES = corpus_template_names()


def corpus_files() -> list[Path]:
    folder = CORPUS.path()
    return [folder / name for name in NAMES]


def test_the_corpus_is_the_manifest_s_170_templates() -> None:
    folder = CORPUS.path()  # checked file by file against tests/compat/corpus.sha256
    assert len(NAMES) == 170
    assert sorted(p.name for p in folder.iterdir() if p.suffix in {".yaml", ".yml"}) == NAMES


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n.removeprefix("tasker-")[:70])
def test_template_loads(name: str) -> None:
    loaded = load_template(CORPUS.file(name))
    template = loaded.template
    assert template.name and template.namespace_name and template.version
    assert template.steps, "every corpus template has steps"
    names = {s.name for s in template.steps}
    assert all(set(s.dependencies) <= names for s in template.steps)
    assert dag.find_cycle(template.dependency_map()) is None
    assert dag.initial_step_names(template), "a task of it would start with no step"
    # Every key the real templates carry beyond the model is a known, explained one.
    assert not [str(w) for w in loaded.warnings if "unknown; check the spelling" in w.message]
    assert template.resolved_for("test").key == template.key


def test_the_corpus_reads_as_corpus_md_counts_it() -> None:
    templates = [load_template(p) for p in corpus_files()]
    with_type = Counter(t for lt in templates for t in {s.type for s in lt.template.steps})
    assert with_type[StepType.DECISION] == 8
    assert with_type[StepType.DEFERRED_CONVERGENCE] == 22
    assert with_type[StepType.BATCHABLE] == with_type[StepType.BATCH_WORKER] == 16
    steps = [s for lt in templates for s in lt.template.steps]
    assert sum(s.retry.max_attempts == 0 for s in steps) == 9
    assert sum("test" in lt.template.environments for lt in templates) == 144
    warned_zero = [w for lt in templates for w in lt.warnings if "max_attempts 0" in w.message]
    assert len(warned_zero) == 9


def test_the_depends_on_alias_in_real_templates() -> None:
    codegen = load_template(
        CORPUS.file("tasker-core__tests__fixtures__task_templates__codegen_test_template.yaml")
    ).template
    assert sum(bool(s.dependencies) for s in codegen.steps) == 4


def test_a_step_without_retry_gets_tasker_defaults() -> None:
    steps = [s for p in corpus_files() for s in load_template(p).template.steps]
    assert any((s.retry.backoff_base_ms, s.retry.max_backoff_ms) == (1000, 30000) for s in steps)


def test_loading_the_whole_corpus_as_one_catalog_reports_a_clash() -> None:
    """CORPUS.md: 11 keys are defined by two files; a catalog refuses that, naming both."""
    with pytest.raises(TemplateError) as caught:
        TemplateCatalog.load([CORPUS.path()])
    message = str(caught.value)
    assert message.count(str(CORPUS.path())) == 2 and "already defines" in message
