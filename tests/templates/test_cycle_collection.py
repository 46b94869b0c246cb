"""Loading a template pauses Python's cycle collector and leaves it as it was found, whether
the template loads or is rejected."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from engine.templates.cycle_collection import cycle_collection_paused
from engine.templates.errors import TemplateError
from engine.templates.loader import load_template_text

GOOD = """
name: pair
namespace_name: demo
version: 1.0.0
steps:
  - name: first
    handler: {callable: demo.first}
  - name: second
    handler: {callable: demo.second}
    dependencies: [first]
"""


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_resumed_after(collector_enabled: None) -> None:
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_an_exception(collector_enabled: None) -> None:
    with pytest.raises(ValueError), cycle_collection_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(collector_enabled: None) -> None:
    gc.disable()
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()


def test_loading_leaves_the_collector_on_for_good_and_bad_templates(
    collector_enabled: None,
) -> None:
    assert [s.name for s in load_template_text(GOOD).template.steps] == ["first", "second"]
    assert gc.isenabled()
    with pytest.raises(TemplateError, match="YAML syntax error"):
        load_template_text("steps: [unclosed")
    assert gc.isenabled()
