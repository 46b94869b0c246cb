"""Property tests: any generated step graph loads or fails with a TemplateError naming real steps."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import dag
from engine.templates import TemplateError, load_template_text

NAMES = st.sampled_from([f"s{n}" for n in range(8)] + ["ghost"])


@st.composite
def graphs(draw):
    count = draw(st.integers(1, 7))
    steps = []
    for n in range(count):
        deps = draw(st.lists(NAMES, max_size=3, unique=True))
        steps.append({"name": f"s{n}", "handler": {"callable": "h"}, "dependencies": deps})
    return steps


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_random_graphs_load_or_fail_cleanly(steps) -> None:
    text = yaml.safe_dump({"name": "g", "namespace_name": "p", "version": "1.0.0", "steps": steps})
    names = {s["name"] for s in steps}
    try:
        template = load_template_text(text, "g.yaml").template
    except TemplateError as exc:
        message = str(exc)
        assert message.startswith("g.yaml:") and "\n" not in message
        assert any(f"'{n}'" in message or f" {n} " in message or f"{n};" in message for n in names)
        return
    deps = template.dependency_map()
    assert dag.find_cycle(deps) is None
    layers = dag.topological_layers(deps)
    assert sorted(n for layer in layers for n in layer) == sorted(names)
    placed = {n: i for i, layer in enumerate(layers) for n in layer}
    assert all(placed[d] < placed[n] for n, ds in deps.items() for d in ds)
