"""The impact preview in an action dialog: what the action will run, fail, leave and not know
(``engine.impact``), worked out by the engine while the dialog is open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Static

from engine.literal import visible

# Section headings as ``Impact.lines`` writes them, and how each is drawn.
LOOKS = {
    "will fail for want of results:": "bold red",
    "outcome unknown:": "bold yellow",
    "not undone:": "yellow",
    "unknown:": "magenta",
    "dependents expect:": "cyan",
}
LINE_LIMIT = 300


@dataclass(frozen=True)
class PreviewRequest:
    """Which action on which task (and step) to preview."""

    task_uuid: str
    action: str
    step: str | None = None


def preview_text(lines: list[str]) -> Text:
    """The preview's lines under an ``impact`` heading, task data drawn literally."""
    text = Text("impact\n", style="bold underline")
    look = ""
    for line in lines:
        if not line.startswith("  "):
            look = LOOKS.get(line, "")
        text.append(visible(line, limit=LINE_LIMIT) + "\n", style=look)
    text.rstrip()
    return text


class ImpactPreview(Static):
    """Shows ``working out the impact…`` until the engine answers, then the preview; a preview
    the engine cannot give is one line saying why (the dialog still works)."""

    DEFAULT_CSS = """
    ImpactPreview {
        height: auto;
        margin-bottom: 1;
        padding: 0 1;
        border-left: thick $warning;
    }
    """

    @dataclass
    class Ready(Message):
        """The engine's preview lines (or one line saying why there are none)."""

        lines: list[str]
        serial: int

    def __init__(self, engine: Any, request: PreviewRequest, **options: Any) -> None:
        super().__init__(Text("impact: working it out…", style="dim"), **options)
        self.engine = engine
        self.request = request
        self.lines: list[str] = []
        self._serial = 0

    def on_mount(self) -> None:
        self.load()

    def load(self, results: Any = None) -> None:
        """Work the preview out (again): ``results`` are those a complete dialog will store."""
        self._serial += 1
        self._fetch(results, self._serial)

    @work(exclusive=True, group="impact")
    async def _fetch(self, results: Any, serial: int) -> None:
        request = self.request
        try:
            found = await self.engine.impact(
                request.task_uuid, request.action, request.step, results
            )
            lines = found.lines()
        except Exception as exc:  # the preview is advice: the action itself stays possible
            lines = [f"impact not available: {' '.join(str(exc).split()) or type(exc).__name__}"]
        self.post_message(self.Ready(lines, serial))

    @on(Ready)
    def ready(self, message: ImpactPreview.Ready) -> None:
        message.stop()
        if message.serial == self._serial:  # an older answer, overtaken by a newer request
            self.lines = message.lines
            self.update(preview_text(message.lines))
