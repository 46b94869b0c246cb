"""The graph of a task of thousands of steps: crossings counted exactly (as the pairwise
definition counts them), every step drawn, wide or long."""

from __future__ import annotations

import itertools
import random

from console.dag_layout import crossings
from console.dag_render import dag_picture


def _pairwise(upper: list[str], lower: list[str], edges: list[tuple[str, str]]) -> int:
    up = {k: i for i, k in enumerate(upper)}
    low = {k: i for i, k in enumerate(lower)}
    pairs = [(up[a], low[b]) for a, b in edges if a in up and b in low]
    return sum(
        1
        for i, (a1, b1) in enumerate(pairs)
        for a2, b2 in pairs[i + 1 :]
        if (a1 - a2) * (b1 - b2) < 0
    )


def test_crossings_match_the_pairwise_count_on_random_layers() -> None:
    rng = random.Random(7)
    for _ in range(300):
        upper = [f"u{i}" for i in range(rng.randint(0, 8))]
        lower = [f"l{i}" for i in range(rng.randint(0, 8))]
        rng.shuffle(upper)
        rng.shuffle(lower)
        edges = [(a, b) for a in upper for b in lower if rng.random() < 0.4]
        edges += [("elsewhere", b) for b in lower[:1]]  # an edge from another layer: ignored
        assert crossings(upper, lower, edges) == _pairwise(upper, lower, edges)


def test_a_wide_task_of_thousands_of_steps_is_drawn_whole() -> None:
    parallel = [f"p{i:04d}" for i in range(3000)]
    steps = [("root", []), *[(name, ["root"]) for name in parallel], ("join", parallel)]
    picture = dag_picture(steps, selected="p0042")
    assert set(picture.boxes) == {"root", "join", *parallel}
    assert len(picture.lines) == 5  # root, its fan-out, the 3,000, the fan-in, join
    row, x, width = picture.boxes["p0042"]
    assert picture.lines[row].plain[x : x + width] == "[· p0042]"


def test_a_long_chain_is_drawn_whole() -> None:
    names = [f"s{i}" for i in range(3000)]
    steps = [(names[0], []), *[(b, [a]) for a, b in itertools.pairwise(names)]]
    picture = dag_picture(steps)
    assert len(picture.lines) == 2 * len(names) - 1  # a box and a connector row per step
    assert picture.lines[-1].plain.strip() == "[· s2999]"


def test_moving_the_selection_repaints_the_same_layout() -> None:
    steps = [("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])]
    first = dag_picture(steps, selected="b")
    second = dag_picture(steps, selected="c")
    assert [line.plain for line in first.lines] == [line.plain for line in second.lines]
    assert first.boxes == second.boxes
    assert first.lines != second.lines  # the highlight moved
