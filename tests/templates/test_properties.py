"""Property tests: whatever YAML comes in, the loader answers with a template or a TemplateError."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import dag
from engine.templates import TemplateError, load_template_text

STEP_NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f"])
DEP_NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f", "ghost"])
CYCLE = re.compile(r"dependency cycle (.+?) \(each step")
MISSING = re.compile(r"step '(\w+)' depends on '(\w+)', which is not a step")
SELF = re.compile(r"step '(\w+)' depends on itself")
DUPLICATE = re.compile(r"step name '(\w+)' is used twice")


@st.composite
def graphs(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(STEP_NAMES, min_size=1, max_size=6))
    return [
        {
            "name": name,
            "handler": {"callable": "h"},
            draw(st.sampled_from(["dependencies", "depends_on"])): draw(
                st.lists(DEP_NAMES, max_size=3, unique=True)
            ),
        }
        for name in names
    ]


def deps_of(step: dict[str, Any]) -> list[str]:
    deps: list[str] = step.get("dependencies", step.get("depends_on", []))
    return deps


def acyclic(deps: dict[str, list[str]]) -> bool:
    """An independent check: peel off steps whose dependencies are all peeled."""
    left = dict(deps)
    while left:
        free = [n for n, ds in left.items() if not any(d in left for d in ds)]
        if not free:
            return False
        for name in free:
            del left[name]
    return True


def as_yaml(steps: list[Any], extra: dict[str, Any] | None = None) -> str:
    doc = {"name": "g", "namespace_name": "p", "version": "1.0.0", "steps": steps, **(extra or {})}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_random_graphs_load_or_fail_naming_real_steps(steps: list[dict[str, Any]]) -> None:
    names = [s["name"] for s in steps]
    deps = {s["name"]: deps_of(s) for s in steps}
    edges = {(s["name"], d) for s in steps for d in deps_of(s)}  # (step, its dependency)
    valid = (
        len(set(names)) == len(names)
        and all(d in deps and d != n for n, ds in deps.items() for d in ds)
        and acyclic(deps)
    )
    try:
        template = load_template_text(as_yaml(steps), "g.yaml").template
    except TemplateError as exc:
        assert not valid, f"a valid graph was refused: {exc}"
        message = str(exc)
        assert re.match(r"g\.yaml:\d+: ", message) and len(message.splitlines()) == 1
        if found := CYCLE.search(message):
            cycle = found.group(1).split(" → ")
            assert cycle[0] == cycle[-1] and set(cycle) <= set(names)
            for before, after in pairwise(cycle):
                assert (after, before) in edges, f"{after} does not depend on {before}"
        elif found := MISSING.search(message):
            step, dep = found.groups()
            assert dep not in names and (step, dep) in edges
        elif found := SELF.search(message):
            assert (found.group(1), found.group(1)) in edges
        else:
            found = DUPLICATE.search(message)
            assert found and names.count(found.group(1)) > 1, message
        return
    assert valid, "an invalid graph was accepted"
    layers = dag.topological_layers(template.dependency_map())
    assert [n for layer in layers for n in layer] != [] and sorted(
        n for layer in layers for n in layer
    ) == sorted(names)
    placed = {n: i for i, layer in enumerate(layers) for n in layer}
    assert all(placed[d] < placed[n] for n, ds in deps.items() for d in ds)
    assert dag.initial_step_names(template) == names


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=["Cs"]), max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz_", max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)
TOP_KEYS = st.sampled_from(
    [
        "name",
        "namespace_name",
        "version",
        "metadata",
        "input_schema",
        "lifecycle",
        "environments",
        "identity_strategy",
        "system_dependencies",
        "domain_events",
        "steps",
    ]
)
STEP_KEYS = st.sampled_from(
    [
        "name",
        "handler",
        "type",
        "step_type",
        "dependencies",
        "depends_on",
        "retry",
        "timeout_seconds",
        "batch_config",
        "publishes_events",
        "result_schema",
        "description",
    ]
)
NESTED = st.sampled_from(
    [
        ("handler", "callable"),
        ("handler", "initialization"),
        ("handler", "method"),
        ("retry", "max_attempts"),
        ("retry", "backoff"),
        ("retry", "retryable"),
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    top=st.dictionaries(TOP_KEYS, JSON, max_size=2),
    step=st.dictionaries(STEP_KEYS, JSON, max_size=2),
    nested=st.lists(st.tuples(NESTED, JSON), max_size=2),
    environments=JSON,
)
def test_any_field_value_loads_or_fails_with_a_one_line_error(
    top: dict[str, Any], step: dict[str, Any], nested: list[Any], environments: Any
) -> None:
    steps: list[Any] = [
        {"name": "a", "handler": {"callable": "h"}, "retry": {"max_attempts": 2}},
        {"name": "b", "handler": {"callable": "h"}, "dependencies": ["a"], **step},
    ]
    for (parent, key), value in nested:
        if isinstance(steps[1].get(parent), dict):
            steps[1][parent][key] = value
    overrides = {"test": {"steps": [{"name": "ALL", "retry": environments}]}, "odd": environments}
    text = as_yaml(steps, {"environments": overrides, **top})
    try:
        loaded = load_template_text(text, "f.yaml", environment="test")
    except TemplateError as exc:
        assert re.match(r"f\.yaml(:\d+)?: ", str(exc)) and len(str(exc).splitlines()) == 1
        return
    template = loaded.template
    assert all(len(str(w).splitlines()) == 1 for w in loaded.warnings)
    template.model_validate_json(template.model_dump_json())
    template.resolved_for("odd")
    dag.initial_step_names(template)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_fails_with_a_one_line_error(text: str) -> None:
    try:
        load_template_text(text, "x.yaml")
    except TemplateError as exc:
        assert str(exc).startswith("x.yaml") and len(str(exc).splitlines()) == 1
