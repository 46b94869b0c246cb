"""Complete a step by hand: a JSON editor for the results its dependents will read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

from console.host import ConsoleHost
from console.screens.cursors import apply_cursor_blink
from console.widgets.impact_preview import ImpactPreview, PreviewRequest
from engine.literal import literal


@dataclass(frozen=True)
class ManualResults:
    results: dict[str, Any]
    reason: str


def parsed_object(text: str) -> tuple[dict[str, Any] | None, str]:
    """The JSON object in ``text``, or None and a one-line error saying how to fix it."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    if not isinstance(value, dict):
        return None, 'results must be a JSON object, like {"key": "value"}'
    return value, ""


class ResultsModal(ModalScreen[ManualResults | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "submit", "Complete step"),
    ]

    def __init__(
        self,
        step_name: str,
        initial: dict[str, Any] | None = None,
        preview: PreviewRequest | None = None,
    ) -> None:
        super().__init__()
        self.step_name = step_name
        self.initial = initial or {}
        self.preview = preview

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            title = literal(f"Complete step {self.step_name} with results", limit=200)
            yield Label(title, classes="dialog-title")
            if self.preview is not None:  # what dependents expect, then what these results do
                engine = cast(ConsoleHost, self.app).engine
                yield ImpactPreview(engine, self.preview, id="impact")
            yield TextArea(json.dumps(self.initial, indent=2), id="results-json")
            yield Input(placeholder="reason (recorded in the audit trail)", id="reason")
            yield Label("", id="results-error", classes="error-line")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Complete  ctrl+s", variant="warning", id="complete")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        apply_cursor_blink(self)
        self.query_one(TextArea).focus()

    @on(TextArea.Changed, "#results-json")
    def results_changed(self) -> None:
        """The preview checks the results as typed against the dependents' models."""
        results, _ = parsed_object(self.query_one(TextArea).text)
        if results is not None and self.preview is not None:
            self.query_one(ImpactPreview).load(results or None)  # {}: none given yet

    @on(Button.Pressed, "#complete")
    @on(Input.Submitted, "#reason")
    def action_submit(self) -> None:
        results, error = parsed_object(self.query_one(TextArea).text)
        reason = self.query_one("#reason", Input).value.strip()
        if results is not None and not reason:
            error = "a reason is required: type why, it goes into the audit trail"
        if results is None or error:
            self.query_one("#results-error", Label).update(error)
            return
        self.dismiss(ManualResults(results, reason))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)
