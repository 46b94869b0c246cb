"""Pure graph functions over ``{step name: [dependency names]}``.

Dependencies on names that are not keys of the map are ignored here (the template loader
reports them), so these functions never fail on a half-built graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Deps = Mapping[str, Sequence[str]]


def find_cycle(deps: Deps) -> list[str] | None:
    """The steps of one dependency cycle, first repeated last, or None.

    In the list each step depends on the one before it: ``["a", "b", "a"]`` means b needs a
    and a needs b.
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(deps, white)
    for root in deps:
        if colour[root] != white:
            continue
        path = [root]
        pending = [iter(deps[root])]
        colour[root] = grey
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                colour[path.pop()] = black
                pending.pop()
            elif nxt not in colour:
                continue
            elif colour[nxt] == grey:
                return list(reversed([*path[path.index(nxt) :], nxt]))
            elif colour[nxt] == white:
                colour[nxt] = grey
                path.append(nxt)
                pending.append(iter(deps[nxt]))
    return None


def children(deps: Deps) -> dict[str, list[str]]:
    """``{step: [steps that depend on it]}``, in declaration order."""
    out: dict[str, list[str]] = {name: [] for name in deps}
    for name, parents in deps.items():
        for parent in dict.fromkeys(parents):
            if parent in out:
                out[parent].append(name)
    return out


def topological_layers(deps: Deps) -> list[list[str]]:
    """Layer 0 has no dependencies; a step sits one layer below its deepest dependency.

    Order inside a layer follows declaration order. Steps in a cycle, and steps after one,
    are left out.
    """
    kids = children(deps)
    waiting = {name: len({p for p in parents if p in deps}) for name, parents in deps.items()}
    depth: dict[str, int] = {}
    ready = [name for name, count in waiting.items() if count == 0]
    for name in ready:
        depth.setdefault(name, 0)
    while ready:
        name = ready.pop()
        for kid in kids[name]:
            depth[kid] = max(depth.get(kid, 0), depth[name] + 1)
            waiting[kid] -= 1
            if waiting[kid] == 0:
                ready.append(kid)
    placed = {name: depth[name] for name, count in waiting.items() if count == 0}
    layers: list[list[str]] = [[] for _ in range(max(placed.values(), default=-1) + 1)]
    for name in deps:
        if name in placed:
            layers[placed[name]].append(name)
    return layers


def _reach(graph: Mapping[str, Iterable[str]], start: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.get(current, ()))
    return seen


def ancestors(deps: Deps, name: str) -> set[str]:
    """Every step ``name`` waits for, directly or not."""
    return _reach(deps, deps.get(name, ())) - {name}


def descendants(deps: Deps, name: str) -> set[str]:
    """Every step that waits for ``name``, directly or not."""
    kids = children(deps)
    return _reach(kids, kids.get(name, ())) - {name}


def initial_step_names(template: Any) -> list[str]:
    """The steps created with the task (tasker-behaviour §1.4), in declaration order.

    Every step that is neither a transitive descendant of a decision step nor a batch_worker
    template nor a deferred_convergence step: those are created later, by outcomes.
    """
    deps = {s.name: list(s.dependencies) for s in template.steps}
    kids = children(deps)
    decisions = [s.name for s in template.steps if s.type == "decision"]
    later = _reach(kids, (kid for d in decisions for kid in kids.get(d, ())))
    return [
        s.name
        for s in template.steps
        if s.name not in later and s.type not in ("batch_worker", "deferred_convergence")
    ]
