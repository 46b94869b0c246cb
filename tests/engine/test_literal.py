"""The one rendering rule (``engine.literal``): task data shown as text, controls made visible."""

from __future__ import annotations

import unicodedata

from rich.console import Console
from rich.text import Text

from engine.literal import _UNSAFE, _UNSAFE_BUT_LINES, literal, visible

HIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def test_every_control_and_invisible_format_character_is_replaced() -> None:
    """The hand-written class matches exactly Unicode's control, format, surrogate and
    separator characters (except the emoji joiner); newer Unicode may add a few more."""
    missing, extra = [], []
    for code in range(0x110000):
        char = chr(code)
        hidden = unicodedata.category(char) in HIDDEN_CATEGORIES and code != 0x200D
        matched = _UNSAFE.match(char) is not None
        if hidden and not matched:
            missing.append(hex(code))
        elif matched and not hidden and unicodedata.category(char) != "Cn":
            extra.append(hex(code))
    assert missing == [] and extra == []


def test_escape_sequences_become_visible_pictures() -> None:
    assert visible("\x1b]0;pwned\x07") == "␛]0;pwned␇"
    assert visible("\x1b[2J\x1b[H") == "␛[2J␛[H"
    assert visible("nul\x00 del\x7f") == "nul␀ del␡"
    assert visible("\x9b31m") == "\\x9b31m"
    assert visible("invoice \u202eexe.pdf \u200f") == "invoice \\u202eexe.pdf \\u200f"
    assert visible("tag \U000e0041") == "tag \\U000e0041"
    assert visible("a\nb\tc\r\n") == "a␊b␉c␍␊"  # one value, one row


def test_multiline_keeps_lines_and_tabs_only() -> None:
    assert (
        visible("Traceback:\r\n\tline 1\x1b[31m\n", multiline=True) == "Traceback:\n\tline 1␛[31m\n"
    )
    assert _UNSAFE_BUT_LINES.match("\n") is None and _UNSAFE_BUT_LINES.match("\r")


def test_ordinary_text_is_untouched_and_markup_stays_text() -> None:
    for text in ("naïve ☃ 名前 👩‍👩‍👧", "POST [/v1/charges] returned 500", "[/x]", ""):
        assert visible(text) == text
    rendered = Text.from_markup("[bold]x[/bold]")  # what markup would have done
    shown = literal("[bold]x[/bold] [/] [link=https://evil]y")
    assert shown.plain == "[bold]x[/bold] [/] [link=https://evil]y" != rendered.plain
    assert shown.spans == []
    console = Console(width=200, record=True, force_terminal=False)
    console.print(literal("missing [amount] [/x]"))
    assert "missing [amount] [/x]" in console.export_text()


def test_long_values_are_clipped_when_a_limit_is_given() -> None:
    long = "L" * 10_240
    assert visible(long) == long
    assert visible(long, limit=48) == "L" * 47 + "…"
    assert len(visible("\x1b" * 100, limit=10)) == 10
    assert visible(None) == "" and visible(12) == "12"
