"""Hostile text: what a handler, a template author or a caller may put where the operator reads.

Each value must reach the screen literally (never as Rich markup) and without sending a
control sequence to the terminal; ``shown_literally`` checks an output for all of them.
"""

from __future__ import annotations

from engine.literal import visible

LONG_LINE = "L" * 10_240  # 10 kB on one line

CORPUS = {
    "closing tag": "[/x] night-ops",
    "bare closing tag": "done [/] there",
    "link": "[link=https://evil.example]pay here[/link]",
    "word in brackets": "missing [amount]",
    "http error": "POST [/v1/charges] returned 500",
    "style": "[bold red]ALARM[/bold red]",
    "window title": "\x1b]0;pwned\x07title",
    "clear screen": "\x1b[2J\x1b[Hcleared",
    "colour": "\x1b[31mred\x1b[0m",
    "c1 csi": "\x9b31mc1",
    "nul": "nul\x00byte",
    "right-to-left override": "invoice \u202eexe.pdf",
    "right-to-left mark": "rlm\u200fmark",
}
RAW_CONTROLS = ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u200f")

# The forms the operator sees.
SHOWN = {name: visible(text) for name, text in CORPUS.items()}
ALL_IN_ONE = " | ".join(CORPUS.values())  # one message holding every case


def raw_controls_in(output: str) -> list[str]:
    """The raw control characters of the corpus found in ``output`` (none must be)."""
    return [repr(c) for c in RAW_CONTROLS if c in output]


def missing_from(output: str, names: list[str] | None = None) -> list[str]:
    """The corpus values (by name) whose visible form ``output`` does not hold."""
    return [name for name in names or list(SHOWN) if SHOWN[name] not in output]
