"""What the DAG pane draws for steps created at run time: branches a decision took or skipped,
steps not created yet, and batch worker clones folded into one group box.

Input is what the main screen passes the pane: every template step and every created step
as ``(name, dependencies)``, with the created ones' states and ``not_created`` for the rest,
and each batch worker clone's template step (``template_step`` of its row). The clones fold
into their template's box (``process ×4 2/4``) unless the group is expanded.
A step nothing can create any more (all it waits for finished or was skipped) is ``skipped``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from console.formatting import NOT_CREATED

SKIPPED = "skipped"  # a branch not taken: nothing will create this step any more
DAG_LOOK = {SKIPPED: ("–", "dim strike")}
FINISHED = frozenset({"complete", "resolved_manually", "cancelled"})
# A group's state: the most pressing of its clones' states (first found wins).
_GROUP_PRIORITY = ("error", "in_progress", "waiting_for_retry", "pending", "enqueued")

Steps = Sequence[tuple[str, Sequence[str]]]


@dataclass(frozen=True)
class DynamicView:
    """The steps to draw (template order kept), their states, box labels, and batch groups."""

    steps: list[tuple[str, list[str]]]
    states: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)  # template -> its clones
    folded: frozenset[str] = frozenset()  # groups drawn as one box

    def shown_as(self, name: str | None) -> str | None:
        """The box a step is drawn in (a folded clone is drawn in its group's box)."""
        for group, clones in self.groups.items():
            if name in clones and group in self.folded:
                return group
        return name


def batch_groups(steps: Steps, template_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Worker templates shown among ``steps`` and the clones made of them, in order."""
    names = {name for name, _ in steps}
    groups: dict[str, list[str]] = {}
    for name, _ in steps:
        template = template_of.get(name, name)
        if template != name and template in names:
            groups.setdefault(template, []).append(name)
    return groups


def group_state(clones: Sequence[str], states: Mapping[str, str]) -> str:
    found = [states.get(c, "pending") for c in clones]
    for state in _GROUP_PRIORITY:
        if state in found:
            return state
    if all(s == "cancelled" for s in found):
        return "cancelled"
    return "complete" if all(s in FINISHED for s in found) else found[0]


def group_label(template: str, clones: Sequence[str], states: Mapping[str, str]) -> str:
    done = sum(1 for c in clones if states.get(c) in FINISHED)
    label = f"{template} ×{len(clones)}"
    return label if done == len(clones) else f"{label} {done}/{len(clones)}"


def skipped_steps(steps: Steps, states: Mapping[str, str]) -> set[str]:
    """Not-created steps nothing will create: each dependency finished or skipped itself."""
    deps = {name: list(d) for name, d in steps}
    skipped: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, parents in deps.items():
            if name in skipped or states.get(name, NOT_CREATED) != NOT_CREATED or not parents:
                continue
            if all(
                p in skipped or states.get(p, NOT_CREATED) in FINISHED for p in parents if p in deps
            ):
                skipped.add(name)
                changed = True
    return skipped


def dynamic_view(
    steps: Steps,
    states: Mapping[str, str],
    expanded: bool | set[str] = False,
    selected: str | None = None,
    template_of: Mapping[str, str] | None = None,
) -> DynamicView:
    """Fold each batch group unless ``expanded`` (True: all; a set: those templates) or the
    selected step is one of its clones; mark skipped branches."""
    groups = batch_groups(steps, template_of or {})
    folded = frozenset(
        template
        for template, clones in groups.items()
        if not (expanded is True or (expanded and template in expanded) or selected in clones)
    )
    clone_of = {c: t for t, clones in groups.items() if t in folded for c in clones}
    unfolded_templates = set(groups) - folded
    shown: list[tuple[str, list[str]]] = []
    out_states: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name, parents in steps:
        if name in clone_of or name in unfolded_templates:
            continue  # folded into its group's box / replaced by its clones
        wired = list(
            dict.fromkeys(
                w
                for p in parents
                for w in (groups[p] if p in unfolded_templates else [clone_of.get(p, p)])
            )
        )
        shown.append((name, wired))
        if name in folded:
            out_states[name] = group_state(groups[name], states)
            labels[name] = group_label(name, groups[name], states)
        else:
            out_states[name] = states.get(name, NOT_CREATED)
    for name in skipped_steps(shown, out_states):
        out_states[name] = SKIPPED
    return DynamicView(shown, out_states, labels, groups, folded)
