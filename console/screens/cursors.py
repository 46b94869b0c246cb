"""Text cursors of a screen: blinking, unless the app asks for steady ones."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Input, TextArea


def apply_cursor_blink(screen: Screen[Any]) -> None:
    """Set the app's ``cursor_blink`` on the screen's editors: screenshots and snapshot
    tests ask for steady cursors, so an image never depends on the blink's phase."""
    blink = bool(getattr(screen.app, "cursor_blink", True))
    for editor in screen.query(Input):
        editor.cursor_blink = blink
    for area in screen.query(TextArea):
        area.cursor_blink = blink
