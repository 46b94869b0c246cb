"""Steps a task creates while it runs (pure): which, with which dependencies.

A task starts with Tasker's initial step set (``dag.initial_step_names``). Two kinds of step
create more: a ``decision`` step names the branches to create, a ``batchable`` step clones its
``batch_worker`` template once per batch. Both are *creators*. Creating a step also creates its
dependents (in template order), stopping at the next creator, whose own outcome decides what
follows it; batch_worker templates are only ever cloned.

Dependencies are Tasker's "declared ∩ created", made safe for nested creators: a step waits
for each declared dependency that exists, or that an unfinished creator may still create
(a name with no row yet, so never satisfied until it exists). A dependency nothing can create
any more is dropped. A dependency on a batch_worker template means every clone of it. Each
time a creator finishes, the not-yet-started steps of the task are re-wired to this rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engine import dag
from engine.states import StepState
from engine.templates.models import StepDefinition, StepType, TaskTemplate

CREATORS = frozenset({StepType.DECISION, StepType.BATCHABLE})
# A creator in one of these states will create nothing more.
CLOSED_STATES = frozenset({StepState.COMPLETE, StepState.RESOLVED_MANUALLY, StepState.CANCELLED})


@dataclass(frozen=True)
class ExistingStep:
    """A step row of the task, as expansion needs it."""

    name: str
    template_step: str  # the template step it instantiates (a clone names its worker template)
    state: StepState = StepState.PENDING
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewStep:
    """A step row to insert."""

    name: str
    template_step: str
    dependencies: tuple[str, ...]
    inputs: dict[str, Any] | None = None
    failure_strategy: str | None = None


@dataclass(frozen=True)
class Expansion:
    """What a finished creator changes: rows to insert, and pending rows to re-wire."""

    created: tuple[NewStep, ...] = ()
    rewired: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.created and not self.rewired


def step_types(template: TaskTemplate) -> dict[str, StepType]:
    return {s.name: s.type for s in template.steps}


def segment(template: TaskTemplate, creator: str) -> list[str]:
    """The steps a decision may name: its descendants reachable without passing through
    another creator (those belong to the nested creator), batch_worker templates excluded.
    In template order."""
    types = step_types(template)
    kids = dag.children(template.dependency_map())
    seen: set[str] = set()
    stack = list(kids.get(creator, ()))
    while stack:
        name = stack.pop()
        if name in seen or types.get(name) is StepType.BATCH_WORKER:
            continue
        seen.add(name)
        if types[name] not in CREATORS:
            stack.extend(kids.get(name, ()))
    return [s.name for s in template.steps if s.name in seen]


def dependents(template: TaskTemplate, names: Iterable[str]) -> list[str]:
    """The template steps that depend directly on any of ``names``, in template order."""
    wanted = set(names)
    return [s.name for s in template.steps if wanted.intersection(s.dependencies)]


def closure(template: TaskTemplate, roots: Iterable[str], instantiated: set[str]) -> list[str]:
    """Template steps created together with ``roots``: the roots, then their dependents up to
    (and including) the next creator, never a batch_worker template nor a step that exists.

    A root that is a batch_worker template is not itself returned (it is cloned), but its
    dependents are walked."""
    types = step_types(template)
    kids = dag.children(template.dependency_map())
    out: set[str] = set()
    stack = list(roots)
    walked: set[str] = set()
    while stack:
        name = stack.pop()
        if name in walked:
            continue
        walked.add(name)
        if types.get(name) is not StepType.BATCH_WORKER:
            out.add(name)
        if types.get(name) in CREATORS:
            continue
        for kid in kids.get(name, ()):
            if kid not in instantiated and types.get(kid) is not StepType.BATCH_WORKER:
                stack.append(kid)
    return [s.name for s in template.steps if s.name in out]


def possible_later(template: TaskTemplate, rows: Sequence[ExistingStep]) -> set[str]:
    """Template steps not instantiated yet that an unfinished creator may still create."""
    types = step_types(template)
    deps = template.dependency_map()
    open_creators = {
        r.template_step
        for r in rows
        if types.get(r.template_step) in CREATORS and r.state not in CLOSED_STATES
    }
    later: set[str] = set()
    for creator in open_creators:
        later |= dag.descendants(deps, creator)
    return later - {r.template_step for r in rows}


def effective_dependencies(
    template: TaskTemplate,
    step: StepDefinition,
    types: dict[str, StepType],
    rows_by_template: dict[str, list[str]],
    possible: set[str],
) -> tuple[str, ...]:
    """Declared dependencies that exist or may still be created; a batch_worker template
    stands for all of its clones once they exist, and for its own dependencies when its
    batchable step finished with ``no_batches`` (no clone: Tasker links the batchable to the
    convergence step directly)."""
    out: list[str] = []
    for dep in step.dependencies:
        if dep not in types:
            continue
        names = rows_by_template.get(dep, [])
        if names:
            out.extend(names)
        elif dep in possible:
            out.append(dep)
        elif types[dep] is StepType.BATCH_WORKER:
            out.extend(
                effective_dependencies(
                    template, template.step(dep), types, rows_by_template, possible
                )
            )
    return tuple(dict.fromkeys(out))


def rows_by_template(rows: Iterable[ExistingStep | NewStep]) -> dict[str, list[str]]:
    by: dict[str, list[str]] = {}
    for row in rows:
        by.setdefault(row.template_step, []).append(row.name)
    for names in by.values():
        names.sort()
    return by


def initial_dependencies(
    template: TaskTemplate, names: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The dependencies of the steps a task starts with (its creators are all unfinished)."""
    rows = [ExistingStep(name, name) for name in names]
    possible = possible_later(template, rows)
    by_template = rows_by_template(rows)
    types = step_types(template)
    return {
        name: effective_dependencies(template, template.step(name), types, by_template, possible)
        for name in names
    }


def expand(
    template: TaskTemplate,
    rows: Sequence[ExistingStep],
    roots: Sequence[str] = (),
    clones: Sequence[NewStep] = (),
) -> Expansion:
    """Insert ``roots`` (template steps) and their dependents, plus ``clones`` (batch workers;
    their dependencies are filled in here), then re-wire every pending row to the rule.

    ``rows`` are the task's rows with the finishing creator already in its final state.
    """
    types = step_types(template)
    instantiated = {r.template_step for r in rows} | {c.template_step for c in clones}
    walk = [*roots, *dict.fromkeys(c.template_step for c in clones)]
    new_names = [n for n in closure(template, walk, instantiated) if n not in instantiated]
    placeholders = [ExistingStep(n, n) for n in new_names]
    after = [*rows, *placeholders, *(ExistingStep(c.name, c.template_step) for c in clones)]
    possible = possible_later(template, after)
    by_template = rows_by_template(after)

    def wired(step: NewStep) -> NewStep:
        template_step = template.step(step.template_step)
        return replace(
            step,
            dependencies=effective_dependencies(
                template, template_step, types, by_template, possible
            ),
        )

    created = [wired(c) for c in clones] + [wired(NewStep(n, n, ())) for n in new_names]
    rewired = {}
    for row in rows:
        if row.state is not StepState.PENDING or types.get(row.template_step) is None:
            continue
        if row.name != row.template_step:
            continue  # a clone keeps the dependencies it was made with
        wanted = effective_dependencies(
            template, template.step(row.template_step), types, by_template, possible
        )
        if wanted != row.dependencies:
            rewired[row.name] = wanted
    return Expansion(created=tuple(created), rewired=rewired)
