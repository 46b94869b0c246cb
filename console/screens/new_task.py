"""New task: pick a template, edit the JSON context, create. The context is checked against
the template's input_schema, against its handlers' ``@inputs`` models (when they can be
imported here), and for placeholders of the skeleton that were never edited."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from console.json_schema import example_for, schema_errors
from console.screens.cursors import apply_cursor_blink
from console.screens.results import parsed_object
from engine.literal import literal

SHOWN_ERRORS = 4


@dataclass(frozen=True)
class NewTaskRequest:
    namespace: str
    name: str
    version: str
    context: dict[str, Any]
    idempotency_key: str | None


def template_key(template: Any) -> str:
    return f"{template.namespace_name}/{template.name}@{template.version}"


InputsCheck = Callable[[Any, dict[str, Any]], list[str]]  # (template, context) -> problems


def leaves(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every scalar of a JSON document with its path: ``($.items[0].sku, "")``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def unfilled_placeholders(context: dict[str, Any], skeleton: Any) -> list[str]:
    """The skeleton's placeholders (empty strings, zeros) still in the context as they were:
    the operator has not filled them in yet. (false is a choice, not a placeholder.)"""
    placeholders = {
        path: value
        for path, value in leaves(skeleton)
        if value in ("", 0) and not isinstance(value, bool)
    }
    return [
        f"{path}: still the skeleton's placeholder {json.dumps(value)}: fill it in or remove it"
        for path, value in leaves(context)
        if path in placeholders
        and value == placeholders[path]
        and type(value) is type(placeholders[path])
    ]


def context_problems(
    text: str,
    schema: dict[str, Any] | None,
    skeleton: Any = None,
    inputs_check: Callable[[dict[str, Any]], list[str]] | None = None,
) -> list[str]:
    """Why the editor's text cannot be this template's context (empty when it can): invalid
    JSON, the input_schema, placeholders left, then the handlers' own input models."""
    context, error = parsed_object(text)
    if context is None:
        return [error.replace("results", "the context")]
    problems = schema_errors(context, schema)
    problems += unfilled_placeholders(context, skeleton) if skeleton is not None else []
    if not problems and inputs_check is not None:
        problems = inputs_check(context)
    return problems


class NewTaskModal(ModalScreen[NewTaskRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "submit", "Create task"),
    ]

    def __init__(
        self, templates: list[Any], selected: str | None = None, inputs: InputsCheck | None = None
    ) -> None:
        super().__init__()
        self.templates = {template_key(t): t for t in templates}
        self.selected = selected if selected in self.templates else next(iter(self.templates), None)
        self.inputs = inputs  # the handlers' @inputs models, when they can be imported
        self._example = ""

    def compose(self) -> ComposeResult:
        options = [(literal(key, limit=120), key) for key in sorted(self.templates)]
        with Vertical(classes="dialog wide"):
            yield Label("New task", classes="dialog-title")
            yield Select(
                options, value=self.selected or Select.NULL, allow_blank=False, id="template"
            )
            yield Label("context (JSON)", classes="field-label")
            yield TextArea("{}", id="context-json")
            yield Label("", id="context-status")
            yield Input(placeholder="idempotency key (optional)", id="idempotency-key")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create  ctrl+s", variant="primary", id="create")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        apply_cursor_blink(self)
        self._load_example()
        self.query_one(TextArea).focus()

    @property
    def template(self) -> Any:
        return self.templates.get(self.selected or "")

    def _load_example(self) -> None:
        schema = getattr(self.template, "input_schema", None)
        self._example = json.dumps(example_for(schema), indent=2)
        self.query_one(TextArea).load_text(self._example)
        self._check()

    @on(Select.Changed, "#template")
    def template_changed(self, event: Select.Changed) -> None:
        editor = self.query_one(TextArea)
        untouched = editor.text in (self._example, "{}", "")
        self.selected = str(event.value)
        if untouched:
            self._load_example()
        else:
            self._check()

    def _inputs_check(self, context: dict[str, Any]) -> list[str]:
        if self.inputs is None or self.template is None:
            return []
        try:
            return self.inputs(self.template, context)
        except Exception:  # handler modules that fail to import: the schema check stands
            return []

    @on(TextArea.Changed, "#context-json")
    def _check(self) -> list[str]:
        problems = context_problems(
            self.query_one(TextArea).text,
            getattr(self.template, "input_schema", None),
            json.loads(self._example) if self._example else None,
            self._inputs_check,
        )
        status = self.query_one("#context-status", Label)
        if problems:
            more = len(problems) - SHOWN_ERRORS
            lines = problems[:SHOWN_ERRORS] + ([f"… and {more} more"] if more > 0 else [])
            status.update(literal("\n".join(f"✗ {line}" for line in lines), multiline=True))
            status.set_classes("error-line")
        else:
            checked = "input_schema" + (" and its handlers' @inputs models" if self.inputs else "")
            status.update(f"✓ the context matches the template's {checked}")
            status.set_classes("ok-line")
        return problems

    @on(Button.Pressed, "#create")
    def action_submit(self) -> None:
        if self.template is None:
            self.notify("no templates are loaded: start with --templates DIR", severity="error")
            return
        if self._check():
            self.query_one(TextArea).focus()
            return
        context, _ = parsed_object(self.query_one(TextArea).text)
        key = self.query_one("#idempotency-key", Input).value.strip() or None
        t = self.template
        self.dismiss(NewTaskRequest(t.namespace_name, t.name, str(t.version), context or {}, key))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)
