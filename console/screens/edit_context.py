"""``E``: edit a task's context and retry its failed steps.

The context shows as JSON in a text area with its secrets masked (a ``••••`` left as it is
keeps its value); the diff against the original shows as it is typed, masked; the engine
checks the new context (the template's input_schema, its handlers' ``@inputs`` models) when
the operator confirms, and a refusal shows in the dialog with nothing written. ``ctrl+o``
opens the JSON in ``$EDITOR`` (the console is suspended meanwhile) when it is set.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from console.formatting import short_uuid
from console.host import ConsoleHost
from console.screens.cursors import apply_cursor_blink
from console.widgets.impact_preview import ImpactPreview, PreviewRequest
from engine.context_diff import context_diff, diff_lines, masked_for_editing, unmasked
from engine.literal import literal, visible
from engine.masking import secret_values

DIFF_LINES = 8


@dataclass(frozen=True)
class ContextEdited:
    """What the engine did: the diff audited and the steps it retried."""

    diff: list[str]
    retried: list[str]


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class EditContextModal(ModalScreen[ContextEdited | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "submit", "Retry with this context"),
        Binding("ctrl+o", "external_editor", "$EDITOR"),
    ]

    def __init__(self, task: dict[str, Any], by: str) -> None:
        super().__init__()
        self.target = task
        self.by = by
        self.original: dict[str, Any] = dict(task.get("context") or {})
        self.secrets = secret_values(task)

    def compose(self) -> ComposeResult:
        uuid = self.target["task_uuid"]
        failed = [s["name"] for s in self.target.get("steps", []) if s["current_state"] == "error"]
        with VerticalScroll(classes="dialog wide"):
            title = f"Edit the context of task {short_uuid(uuid)} ({self.target['name']}) and retry"
            yield Label(literal(title, limit=200), classes="dialog-title")
            text = (
                f"Failed steps run again with the new context: {', '.join(failed) or 'none'}. "
                "Steps that completed with the old context are not re-run: their results stand. "
                "ctrl+o: edit in $EDITOR."
            )
            yield Static(literal(text, limit=2000), classes="dialog-text")
            shown = json.dumps(masked_for_editing(self.original), indent=2, ensure_ascii=False)
            yield TextArea(shown, id="context-json")
            yield Static(Text("no change yet", style="dim"), id="context-diff")
            engine = cast(ConsoleHost, self.app).engine
            yield ImpactPreview(engine, PreviewRequest(uuid, "edit_context"), id="impact")
            yield Input(placeholder="reason (recorded in the audit trail)", id="reason")
            yield Label("", id="context-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Retry  ctrl+s", variant="warning", id="retry")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        apply_cursor_blink(self)
        self.query_one(TextArea).focus()

    def edited(self) -> tuple[dict[str, Any] | None, str]:
        """The context as typed (secrets left masked put back), or None and why not."""
        text = self.query_one(TextArea).text
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        if not isinstance(value, dict):
            return None, 'the context must be a JSON object, like {"key": "value"}'
        return unmasked(value, self.original), ""

    @on(TextArea.Changed, "#context-json")
    def show_diff(self) -> None:
        context, error = self.edited()
        diff = self.query_one("#context-diff", Static)
        if context is None:
            diff.update(Text(visible(error, limit=200), style="red"))
            return
        lines = diff_lines(context_diff(self.original, context), self.secrets)
        if not lines:
            diff.update(Text("no change yet", style="dim"))
            return
        more = len(lines) - DIFF_LINES
        shown = "\n".join(lines[:DIFF_LINES]) + (f"\n… {more} more" if more > 0 else "")
        diff.update(Text("diff\n", style="bold") + Text(shown))

    @on(Button.Pressed, "#retry")
    @on(Input.Submitted, "#reason")
    def action_submit(self) -> None:
        context, error = self.edited()
        reason = self.query_one("#reason", Input).value.strip()
        if context is not None and not reason:
            error = "a reason is required: type why, it goes into the audit trail"
        if context is None or error:
            self.query_one("#context-error", Label).update(error)
            return
        self.query_one("#context-error", Label).update("checking the new context…")
        self.apply(context, reason)

    @dataclass
    class Refused(Message):
        """The engine refused the edit (one line); nothing was written."""

        text: str

    @dataclass
    class Done(Message):
        """The engine made the edit."""

        edited: ContextEdited

    @work(exclusive=True, group="edit-context")
    async def apply(self, context: dict[str, Any], reason: str) -> None:
        engine = cast(ConsoleHost, self.app).engine
        try:
            edit = await engine.edit_context(self.target["task_uuid"], context, reason, self.by)
        except Exception as exc:  # the engine's refusal: one line, nothing was written
            self.post_message(self.Refused(one_line(exc)))
            return
        self.post_message(self.Done(ContextEdited(list(edit.diff), list(edit.retried))))

    @on(Refused)
    def refused(self, message: EditContextModal.Refused) -> None:
        self.query_one("#context-error", Label).update(literal(message.text, limit=300))

    @on(Done)
    def done(self, message: EditContextModal.Done) -> None:
        self.dismiss(message.edited)

    def action_external_editor(self) -> None:
        """Edit the JSON in ``$EDITOR`` (when set), the console suspended meanwhile."""
        editor = os.environ.get("EDITOR")
        if not editor:
            self.notify("$EDITOR is not set: edit the JSON here", severity="warning")
            return
        area = self.query_one(TextArea)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "context.json"
            path.write_text(area.text, encoding="utf-8")
            try:
                with self.app.suspend():
                    subprocess.run([*shlex.split(editor), str(path)], check=False)
            except (SuspendNotSupported, OSError) as exc:  # no terminal to lend, no editor
                self.notify(f"cannot open $EDITOR: {one_line(exc)}", severity="warning")
                return
            area.text = path.read_text(encoding="utf-8", errors="replace")

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)
