"""Pure graph functions over ``{step name: [dependency names]}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Deps = Mapping[str, Sequence[str]]


def find_cycle(deps: Deps) -> list[str] | None:
    """The steps of one dependency cycle in order (first repeated last), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(deps, WHITE)
    for root in deps:
        if colour[root] != WHITE:
            continue
        path: list[str] = [root]
        iters = [iter(deps[root])]
        colour[root] = GREY
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                colour[path.pop()] = BLACK
                iters.pop()
            elif nxt not in colour:
                continue  # a missing step is reported elsewhere
            elif colour[nxt] == GREY:
                cycle = [*path[path.index(nxt):], nxt]
                return list(reversed(cycle))  # dependency order: a → b means b needs a
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                iters.append(iter(deps[nxt]))
    return None


def topological_layers(deps: Deps) -> list[list[str]]:
    """Layer 0 has no dependencies; each later layer depends only on earlier ones.

    Order inside a layer follows declaration order. Steps in a cycle are left out.
    """
    depth: dict[str, int] = {}
    remaining = [name for name in deps]
    while remaining:
        progressed = False
        for name in list(remaining):
            parents = [d for d in deps[name] if d in deps]
            if all(p in depth for p in parents):
                depth[name] = 1 + max((depth[p] for p in parents), default=-1)
                remaining.remove(name)
                progressed = True
        if not progressed:
            break
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name in deps:
        if name in depth:
            layers[depth[name]].append(name)
    return layers


def ancestors(deps: Deps, name: str) -> set[str]:
    seen: set[str] = set()
    stack = list(deps.get(name, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(deps.get(current, ()))
    return seen


def children(deps: Deps) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in deps}
    for name, parents in deps.items():
        for parent in parents:
            out.setdefault(parent, []).append(name)
    return out


def descendants(deps: Deps, name: str) -> set[str]:
    kids = children(deps)
    seen: set[str] = set()
    stack = list(kids.get(name, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(kids.get(current, ()))
    return seen


def initial_step_names(template: Any) -> list[str]:
    """Steps created with the task (Tasker's initial step set).

    Every step that is not a transitive descendant of a decision step and is neither a
    batch_worker template nor a deferred_convergence step.
    """
    deps = {s.name: list(s.dependencies) for s in template.steps}
    later: set[str] = set()
    for step in template.steps:
        if step.type == "decision":
            later |= descendants(deps, step.name)
    return [
        s.name
        for s in template.steps
        if s.name not in later and s.type not in ("batch_worker", "deferred_convergence")
    ]
