"""Confirmation for destructive actions: the operator confirms and gives the reason audited."""

from __future__ import annotations

from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from console.host import ConsoleHost
from console.screens.cursors import apply_cursor_blink
from console.widgets.impact_preview import ImpactPreview, PreviewRequest
from engine.literal import literal


class ReasonModal(ModalScreen[str | None]):
    """Returns the reason typed, or None when the operator backs out. With ``preview``, the
    dialog shows what the action will do (``ImpactPreview``) before the operator confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(
        self,
        title: str,
        explanation: str,
        confirm_label: str = "Confirm",
        preview: PreviewRequest | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.confirm_label = confirm_label
        self.preview = preview

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(literal(self.title_text, limit=200), classes="dialog-title")  # step names
            yield Static(literal(self.explanation, limit=2000), classes="dialog-text")
            if self.preview is not None:
                engine = cast(ConsoleHost, self.app).engine
                yield ImpactPreview(engine, self.preview, id="impact")
            yield Input(placeholder="reason (recorded in the audit trail)", id="reason")
            yield Label("", id="reason-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm_label, variant="error", id="confirm")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        apply_cursor_blink(self)
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#reason-error", Label).update(
                "a reason is required: type why, it goes into the audit trail"
            )
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)
