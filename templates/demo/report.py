"""The checkout demo's summary as rich tables: the mix, tasks by status, attempts, failures,
money, and one verdict line."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .summary import DemoSummary

SHOWN_PROBLEMS = 12


def render_summary(summary: DemoSummary, heading: str, footer: list[str]) -> Group:
    """Everything the summary prints, in order."""
    parts: list[Text | Table | Group] = [Text(heading, style="bold")]
    parts += [_mix(summary), _statuses(summary), _attempts(summary)]
    if summary.failures:
        parts.append(_failures(summary))
    parts += [_money(summary), _verdict(summary)]
    parts += [Text(line, style="dim") for line in footer]
    return Group(*parts)


def print_summary(summary: DemoSummary, heading: str, footer: list[str], console: Console) -> None:
    console.print(render_summary(summary, heading, footer))


def _table(title: str, *columns: str) -> Table:
    """Columns named ``#...`` hold numbers (right-aligned); the rest text."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, title_style="bold")
    for column in columns:
        number = column.startswith("#")
        table.add_column(column.lstrip("#"), justify="right" if number else "left")
    return table


def _facts(title: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE, title_style="bold")
    table.show_header = False
    table.add_column("fact")
    table.add_column("value", justify="right")
    return table


def _mix(summary: DemoSummary) -> Table:
    table = _table("The mix", "kind", "#tasks", "what happens", "should end", "#as intended")
    for row in summary.kinds:
        style = "green" if row.as_intended == row.tasks else "red"
        table.add_row(
            row.kind,
            str(row.tasks),
            row.what_happens,
            row.should_end,
            Text(f"{row.as_intended}/{row.tasks}", style=style),
        )
    return table


def _statuses(summary: DemoSummary) -> Table:
    table = _table("Tasks by status", "status", "#tasks")
    for status, count in sorted(summary.tasks_by_status.items()):
        table.add_row(status, str(count))
    return table


def _attempts(summary: DemoSummary) -> Table:
    table = _facts("Attempts and retries")
    table.add_row("step attempts", str(summary.step_attempts))
    table.add_row("retries (attempts after a step's first)", str(summary.retries))
    table.add_row("steps that were retried", str(summary.steps_retried))
    table.add_row("payment attempts", str(summary.payment_attempts))
    return table


def _failures(summary: DemoSummary) -> Table:
    table = _table("Failed steps, waiting for an operator", "error code", "step", "why", "#tasks")
    for row in summary.failures:
        table.add_row(row.error_code, row.step, row.why, str(row.tasks))
    return table


def _money(summary: DemoSummary) -> Table:
    table = _facts("Charges (the gateway's ledger)")
    dollars = summary.amount_charged_cents / 100
    table.add_row("charges taken", f"{summary.charges_taken} (${dollars:,.2f})")
    table.add_row("retries answered with the charge already taken", str(summary.replayed_answers))
    double = summary.double_charged_orders
    table.add_row("orders charged twice", Text(str(double), style="green" if not double else "red"))
    table.add_row("order confirmations in the outbox", str(summary.confirmations))
    return table


def _verdict(summary: DemoSummary) -> Group:
    lines: list[Text] = []
    judged = summary.orders + summary.companions - len(summary.excused)
    if summary.ok:
        lines.append(
            Text(
                f"✓ all {judged} tasks ended as their scenarios intended; "
                "no order was charged twice",
                style="bold green",
            )
        )
    else:
        lines.append(
            Text(
                f"✗ {len(summary.problems)} problem(s); orders charged twice: "
                f"{summary.double_charged_orders}",
                style="bold red",
            )
        )
        lines += [Text(f"  {p}") for p in summary.problems[:SHOWN_PROBLEMS]]
        if len(summary.problems) > SHOWN_PROBLEMS:
            lines.append(Text(f"  … and {len(summary.problems) - SHOWN_PROBLEMS} more"))
    if summary.excused:
        lines.append(Text(f"{len(summary.excused)} task(s) not judged:"))
        lines += [Text(f"  {line}") for line in summary.excused[:SHOWN_PROBLEMS]]
    lines += [Text(note, style="yellow") for note in summary.notes]
    return Group(*lines)
