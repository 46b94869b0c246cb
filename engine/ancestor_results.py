"""A claimed step's ancestors' results, read from their stored JSON text when first asked for.

A step is handed every ancestor's results, but most handlers read a few of them or none: a
batch's clones never read their analyzer's results, which list every clone (thousands of
entries), and parsing them for each clone made a batch cost the square of its size. Each step
parses its own copy of what it reads, so no two steps share a parsed object: a handler that
changes what it was handed changes nothing another step sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


class AncestorResults(Mapping[str, dict[str, Any]]):
    """Step name -> ``{"success": True, "result": ..., "metadata": {}}``, each envelope made
    from its stored text on first access and kept for this step."""

    __slots__ = ("_envelopes", "_texts")

    def __init__(self, texts: dict[str, str]) -> None:
        """``texts``: each ancestor with results, by name, its results as stored (JSON)."""
        self._texts = texts
        self._envelopes: dict[str, dict[str, Any]] = {}

    def __getitem__(self, name: str) -> dict[str, Any]:
        envelope = self._envelopes.get(name)
        if envelope is None:
            result = json.loads(self._texts[name])  # KeyError for a name that is not here
            envelope = self._envelopes[name] = {"success": True, "result": result, "metadata": {}}
        return envelope

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, name: object) -> bool:
        return name in self._texts

    def __repr__(self) -> str:
        return f"AncestorResults({sorted(self._texts)})"
