"""Warnings never stop a template: unknown keys, values outside Tasker's ranges, odd shapes.

Each file in tests/fixtures/templates/warnings/ lists every warning it must produce as
``# warn: <text after the path>`` lines, in order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.templates import TemplateWarning, load_template, load_template_text

WARNINGS = Path(__file__).resolve().parents[1] / "fixtures" / "templates" / "warnings"
CASES = sorted(WARNINGS.glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_warnings_are_exactly_the_listed_ones(path: Path) -> None:
    listed = [
        line.removeprefix("# warn: ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# warn: ")
    ]
    loaded = load_template(path)
    assert [str(w).removeprefix(str(path)) for w in loaded.warnings] == listed
    assert all(isinstance(w, TemplateWarning) and w.source == str(path) for w in loaded.warnings)


def test_unknown_keys_give_one_warning_per_object() -> None:
    text = """\
name: c
namespace_name: s
version: 1.0.0
colour: blue
size: 3
steps:
  - name: a
    handler: {callable: h}
"""
    warnings = load_template_text(text, "t.yaml").warnings
    assert [str(w) for w in warnings] == [
        "t.yaml:4: warning: the template has keys Tasker ignores: colour (unknown; check the "
        "spelling), size (unknown; check the spelling)"
    ]


def test_a_clean_template_has_no_warnings() -> None:
    text = """\
name: c
namespace_name: s
version: 1.0.0
steps:
  - name: a
    handler: {callable: h}
    retry: {max_attempts: 100, backoff_base_ms: 100, max_backoff_ms: 3600000}
    timeout_seconds: 3600
"""
    assert load_template_text(text, "t.yaml").warnings == []


def test_a_warning_prints_like_a_compiler_warning() -> None:
    assert str(TemplateWarning("a.yaml", 3, "x is odd")) == "a.yaml:3: warning: x is odd"
    assert str(TemplateWarning("a.yaml", None, "x is odd")) == "a.yaml: warning: x is odd"
