"""Task data shown literally: the one rendering rule of the CLI and the console.

Names, contexts, results, errors, reasons and initiators come from other people's code and
input. Wherever they are shown they are text, never markup, and never terminal control:

- never markup: they become ``rich.text.Text`` (``literal``), which Rich and Textual draw as
  is, so ``POST [/v1/charges]``, ``[/x]``, ``missing [amount]`` and ``[link=…]`` show as typed;
- never control: every character that a terminal would act on instead of drawing, or that
  hides or reorders what is drawn, is replaced by a visible stand-in (``visible``):

  ========================================  ============================================
  characters                                shown as
  ========================================  ============================================
  C0 controls U+0000–U+001F (NUL, ESC, CR)  their Control Picture: ␀ ␛ ␍ (U+2400–U+241F)
  DEL U+007F                                ␡ (U+2421)
  C1 controls U+0080–U+009F (CSI, OSC …)    ``\\x9b``
  bidi marks and overrides (LRM, RLM,       ``\\u202e``
  LRE…RLO, LRI…PDI, ALM), zero-width and
  other invisible format characters,
  line/paragraph separators, lone
  surrogates
  ========================================  ============================================

  So an ANSI colour, a set-window-title (OSC 0) or clear-screen sequence reaches the screen
  as ``␛]0;pwned␇`` or ``␛[2J``, never the terminal. ``multiline=True`` keeps newlines (and
  tabs) where a pane shows text on several lines (a traceback); everywhere else a newline
  is ␊ too, so one value stays one row. The zero-width joiner is kept: emoji need it.
- never a broken layout: ``limit`` clips a value to that many characters with ``…`` where
  it sits in a column (tables, toasts); panes that wrap show the whole value.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

ELLIPSIS = "…"

# Every character of Unicode categories Cc, Cf, Cs, Zl and Zp except U+200D (ZWJ); the C0
# controls apart, so a multi-line pane can keep tab and newline. tests/engine/test_literal.py
# checks these classes against unicodedata.
_C0_BUT_LINES = "\x00-\x08\x0b-\x1f"
_OTHER_HIDDEN = (
    "\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[\x00-\x1f{_OTHER_HIDDEN}]")
_UNSAFE_BUT_LINES = re.compile(f"[{_C0_BUT_LINES}{_OTHER_HIDDEN}]")


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(value: Any, *, multiline: bool = False, limit: int | None = None) -> str:
    """``str(value)`` with every control or invisible character replaced by a visible stand-in
    (see the module docstring), clipped to ``limit`` characters with ``…`` when given."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    pattern = _UNSAFE_BUT_LINES if multiline else _UNSAFE
    if pattern.search(text) is None:
        return text
    if multiline:
        text = text.replace("\r\n", "\n")
    shown = pattern.sub(_stand_in, text)
    if limit is not None and len(shown) > limit:  # stand-ins are longer than what they show
        shown = shown[: max(0, limit - 1)] + ELLIPSIS
    return shown


def literal(
    value: Any, style: str = "", *, multiline: bool = False, limit: int | None = None
) -> Text:
    """A Rich ``Text`` of ``visible(value)``: drawn as is, never parsed as markup."""
    return Text(visible(value, multiline=multiline, limit=limit), style=style)
