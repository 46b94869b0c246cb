"""The step graph drawing: golden pictures of the common shapes, and every compat template."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from console import dag_render
from console.dag_layout import acyclic_dependencies
from console.dag_render import GLYPHS, dag_picture
from tests.external import CORPUS, corpus_template_names

BITS = {glyph: bits for bits, glyph in GLYPHS.items() if bits.bit_count() > 1}
UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8
MOVES = {UP: (-1, 0, DOWN), DOWN: (1, 0, UP), LEFT: (0, -1, RIGHT), RIGHT: (0, 1, LEFT)}


def drawn_edges(picture) -> set[tuple[str, str]]:
    """Read the drawing back: follow the lines leaving each box down to the boxes they reach."""
    grid = [line.plain for line in picture.lines]
    owner = {
        (row, col): name
        for name, (row, x, width) in picture.boxes.items()
        for col in range(x, x + width)
    }
    layer_rows = {row for row, _, _ in picture.boxes.values()}

    def char(r: int, c: int) -> str:
        return grid[r][c] if 0 <= r < len(grid) and 0 <= c < len(grid[r]) else " "

    def bits(r: int, c: int) -> int:
        return UP | DOWN if char(r, c) == "│" else BITS.get(char(r, c), 0)

    edges = set()
    for name, (row, x, width) in picture.boxes.items():
        todo = [(row + 1, c) for c in range(x, x + width) if bits(row + 1, c) & UP]
        seen = set(todo)
        while todo:
            r, c = todo.pop()
            for move, (dr, dc, back) in MOVES.items():
                if not bits(r, c) & move:
                    continue
                nr, nc = r + dr, c + dc
                if move == UP and nr in layer_rows:
                    continue  # the lines of the parents above
                while move in (LEFT, RIGHT) and char(nr, nc) == "│":
                    nc += dc  # a bridge: this run passes under another's vertical
                if move == DOWN and (nr, nc) in owner:
                    edges.add((name, owner[(nr, nc)]))
                elif bits(nr, nc) & back and (nr, nc) not in seen:
                    seen.add((nr, nc))
                    todo.append((nr, nc))
    return edges


def true_edges(steps) -> set[tuple[str, str]]:
    return {(dep, name) for name, deps in acyclic_dependencies(steps).items() for dep in deps}


LINEAR = [
    ("validate_cart", []),
    ("process_payment", ["validate_cart"]),
    ("update_inventory", ["process_payment"]),
    ("create_order", ["update_inventory"]),
    ("send_confirmation", ["create_order"]),
]
DIAMOND = [("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])]
TREE = [
    ("root", []),
    ("b1", ["root"]),
    ("b2", ["root"]),
    ("l1", ["b1"]),
    ("l2", ["b1"]),
    ("l3", ["b2"]),
    ("l4", ["b2"]),
    ("final", ["l1", "l2", "l3", "l4"]),
]
FAN_IN = [
    ("extract_sales", []),
    ("extract_inventory", []),
    ("extract_customers", []),
    ("transform_sales", ["extract_sales"]),
    ("transform_inventory", ["extract_inventory"]),
    ("transform_customers", ["extract_customers"]),
    ("aggregate_metrics", ["transform_sales", "transform_inventory", "transform_customers"]),
    ("generate_insights", ["aggregate_metrics"]),
]


def golden(steps, **kwargs) -> str:
    return dag_picture(steps, **kwargs).plain()


def test_a_linear_chain_is_a_straight_column():
    assert golden(LINEAR) == "\n".join(
        [
            "  [· validate_cart]",
            "          │",
            " [· process_payment]",
            "          │",
            "[· update_inventory]",
            "          │",
            "  [· create_order]",
            "          │",
            "[· send_confirmation]",
        ]
    )


def test_a_diamond_shows_its_split_and_its_join_with_state_glyphs():
    states = {"a": "complete", "b": "error", "c": "waiting_for_retry"}
    assert golden(DIAMOND, states=states) == "\n".join(
        [
            "    [✓ a]",
            "  ┌───┴──┐",
            "[✗ b]  [↻ c]",
            "  └──┬───┘",
            "   [· d]",
        ]
    )


def test_a_tree_fans_out_twice_then_converges():
    assert golden(TREE) == "\n".join(
        [
            "           [· root]",
            "       ┌───────┴───────┐",
            "    [· b1]          [· b2]",
            "   ┌───┴───┐       ┌───┴───┐",
            "[· l1]  [· l2]  [· l3]  [· l4]",
            "   └───────┴───┬───┴───────┘",
            "           [· final]",
        ]
    )


def test_parallel_chains_fan_in_to_one_step():
    assert golden(FAN_IN) == "\n".join(
        [
            " [· extract_sales]    [· extract_inventory]    [· extract_customers]",
            "         │                      │                        │",
            "[· transform_sales]  [· transform_inventory]  [· transform_customers]",
            "         └──────────────────────┼────────────────────────┘",
            "                       [· aggregate_metrics]",
            "                                 │",
            "                       [· generate_insights]",
        ]
    )


def test_each_state_has_its_own_glyph_and_colour_and_the_selected_step_stands_out():
    states = {"a": "complete", "b": "in_progress", "c": "not_created", "d": "resolved_manually"}
    picture = dag_picture(DIAMOND, states=states, selected="b")
    text = picture.plain()
    assert "[▶ b]" in text and "[◌ c]" in text and "[✎ d]" in text
    styles = {}
    for name, (row, x, _) in picture.boxes.items():
        spans = [s for s in picture.lines[row].spans if s.start <= x < s.end]
        styles[name] = str(spans[0].style)
    assert "reverse" in styles["b"] and "reverse" not in styles["a"]
    assert "green" in styles["a"] and "dim" in styles["c"]


def test_an_edge_skipping_layers_is_routed_around_the_steps_in_between():
    steps = [
        ("validate", []),
        ("reserve", ["validate"]),
        ("payment", ["reserve", "validate"]),
        ("ship", ["validate", "reserve", "payment"]),
    ]
    picture = dag_picture(steps)
    assert drawn_edges(picture) == true_edges(steps)


def test_a_child_of_two_different_bundles_is_entered_twice_without_joining_them():
    steps = [("a", []), ("b", []), ("c", ["a"]), ("d", ["a", "b"]), ("e", ["b"])]
    picture = dag_picture(steps)
    assert drawn_edges(picture) == true_edges(steps)


def test_cycles_and_unknown_dependencies_do_not_break_the_drawing():
    steps = [("a", ["c", "ghost"]), ("b", ["a"]), ("c", ["b"]), ("a", ["b"])]
    text = golden(steps)
    assert all(f"[· {name}]" in text for name in "abc")


def test_no_steps_draws_nothing():
    assert dag_picture([]).lines == ()


def test_ten_steps_in_one_layer_stay_apart():
    steps: list[tuple[str, list[str]]] = [("start", [])]
    steps += [(f"worker_{i}", ["start"]) for i in range(10)]
    steps.append(("join", [f"worker_{i}" for i in range(10)]))
    picture = dag_picture(steps)
    assert_boxes_apart(picture)
    assert drawn_edges(picture) == true_edges(steps)


def assert_boxes_apart(picture) -> None:
    by_row: dict[int, list[tuple[int, int]]] = {}
    for row, x, width in picture.boxes.values():
        by_row.setdefault(row, []).append((x, x + width))
    for spans in by_row.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end < start, spans


def compat_steps(path: Path) -> list[tuple[str, list[str]]]:
    data = yaml.safe_load(path.read_text())
    return [
        (step["name"], list(step.get("dependencies") or step.get("depends_on") or []))
        for step in data.get("steps") or []
    ]


@pytest.mark.parametrize("name", corpus_template_names(), ids=lambda n: n[-65:-5])
def test_every_compat_template_draws_readably(name):
    steps = compat_steps(CORPUS.file(name))
    picture = dag_picture(steps)
    text = picture.plain()
    for name, _ in steps:
        assert f" {name}]" in text
    assert_boxes_apart(picture)
    assert drawn_edges(picture) == true_edges(steps)


CROSSED = [
    ("p1", []),
    ("p2", []),
    ("p3", []),
    ("c1", ["p1", "p3"]),
    ("c2", ["p1", "p2"]),
    ("c3", ["p2", "p3"]),
]


def test_bundles_that_must_cross_go_on_separate_rows_and_read_back_exactly():
    picture = dag_picture(CROSSED)
    assert drawn_edges(picture) == true_edges(CROSSED)


def test_the_read_back_catches_runs_drawn_on_top_of_each_other(monkeypatch):
    monkeypatch.setattr("console.dag_routing._rows_for", lambda spans: [0] * len(spans))
    # Laid out afresh under the patch (not a kept layout), and none kept from it.
    monkeypatch.setattr(dag_render, "_routing", dag_render._routing.__wrapped__)
    assert drawn_edges(dag_picture(CROSSED)) != true_edges(CROSSED)
