"""The failures view's rows and what a bulk action acts on: pure, for the screen and its tests.

A group is a dict as ``Engine.failures`` gives it (``engine.failures.FailureGroup.to_json``);
the operator marks groups, or single tasks inside a group, with ``space``. An action takes
every outstanding failed step marked (a marked group: all its outstanding tasks), or, with
nothing marked, the group or task under the cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.text import Text

from console.formatting import age_text, attempts_text, short_uuid, step_state_text
from engine.literal import literal

MARK = "●"
SAMPLE_LIMIT = 44  # characters of a sample message in its cell (the pane below shows it whole)
DETAIL_LIMIT = 2_000  # characters of the sample message in the pane

GROUP_COLUMNS = (
    ("mark", " "),
    ("template", "template"),
    ("step", "step"),
    ("code", "error code (class)"),
    ("tasks", "tasks"),
    ("exhausted", "exhausted"),
    ("newest", "latest"),
    ("sample", "sample message"),
)
TASK_COLUMNS = (
    ("mark", " "),
    ("uuid", "task"),
    ("status", "task state"),
    ("state", "step state"),
    ("attempts", "attempts"),
    ("failed", "failed"),
)
Group = Mapping[str, Any]
TargetPair = tuple[str, str]  # (task_uuid, step)


def _age(then: int | None, now: int) -> str:
    return age_text(then, now) if then is not None else "-"


def group_cells(group: Group, marked: bool, now_ms: int, include_handled: bool) -> list[Any]:
    tasks = str(group["count"])
    if include_handled:
        tasks = f"{group['outstanding']}/{group['count']} open"
    style = {"PERMANENT": "red", "RETRYABLE": "yellow"}.get(group["error_class"], "magenta")
    code = Text.assemble(
        literal(group["error_code"] or "-", f"bold {style}"), (f" ({group['error_class']})", "dim")
    )
    return [
        Text(MARK if marked else " ", style="bold cyan"),
        literal(group["template"], limit=40),
        literal(group["step"], limit=40),
        code,
        Text(tasks, style="bold"),
        f"{group['exhausted']}/{group['count']}",
        _age(group["newest_at"], now_ms),
        literal(group["sample_message"] or "", limit=SAMPLE_LIMIT),
    ]


def group_detail(group: Group | None, now_ms: int) -> Text:
    """The pane under the table: the group under the cursor, its sample message whole."""
    if group is None:
        return Text("no failure selected", style="dim")
    text = Text.assemble(
        literal(f"{group['namespace']}/{group['template']}", "bold"), " · ",
        literal(group["step"], "bold"), " · ",
        literal(group["error_code"] or "-", "bold red"), f" ({group['error_class']})\n",
    )  # fmt: skip
    text.append(
        f"{group['outstanding']} outstanding of {group['count']} · {group['retryable']} · "
        f"attempts exhausted in {group['exhausted']} · waiting for a retry "
        f"{group['waiting_for_retry']} · running {group['running']}\n"
    )
    text.append(
        f"first failed {_age(group['oldest_at'], now_ms)} ago, latest "
        f"{_age(group['newest_at'], now_ms)} ago (task {short_uuid(group['sample_task'])})\n",
        style="dim",
    )
    text.append("sample: ", style="dim")
    text.append_text(literal(group["sample_message"] or "", multiline=True, limit=DETAIL_LIMIT))
    return text


def task_cells(task: Mapping[str, Any], marked: bool, now_ms: int) -> list[Any]:
    status = literal(task["task_status"], "dim" if not task["outstanding"] else "")
    return [
        Text(MARK if marked else " ", style="bold cyan"),
        short_uuid(task["task_uuid"]),
        status,
        step_state_text(task["step_state"]),
        attempts_text(task["attempts"], task["max_attempts"]),
        _age(task["failed_at"], now_ms),
    ]


def group_tasks(group: Group, include_handled: bool) -> list[Mapping[str, Any]]:
    """The group's tasks the view lists: the outstanding ones, or all when asked."""
    return [t for t in group["tasks"] if include_handled or t["outstanding"]]


def targets(
    groups: Sequence[Group],
    marked_groups: Iterable[str],
    marked_tasks: Iterable[TargetPair],
    under_cursor: TargetPair | str | None,
) -> list[TargetPair]:
    """The outstanding failed steps an action takes: everything marked, else what is under
    the cursor (a group id, or a task's (task_uuid, step)); each once, in the groups' order."""
    chosen_groups = set(marked_groups)
    chosen_tasks = set(marked_tasks)
    if not chosen_groups and not chosen_tasks:
        if isinstance(under_cursor, str):
            chosen_groups = {under_cursor}
        elif under_cursor is not None:
            chosen_tasks = {under_cursor}
    found: dict[TargetPair, None] = {}
    for group in groups:
        for task in group["tasks"]:
            pair = (task["task_uuid"], group["step"])
            if task["outstanding"] and (group["group"] in chosen_groups or pair in chosen_tasks):
                found.setdefault(pair)
    return list(found)


def title(groups: Sequence[Group], include_handled: bool) -> str:
    open_steps = sum(g["outstanding"] for g in groups)
    shown = "outstanding and handled" if include_handled else "outstanding"
    noun = "group" if len(groups) == 1 else "groups"
    return f"failures · {open_steps} outstanding in {len(groups)} {noun} ({shown}; h toggles)"
