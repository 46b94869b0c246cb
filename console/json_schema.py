"""The JSON Schema subset the new-task editor checks a context with: ``engine.json_schema``
(the engine checks an edited context with it too)."""

from __future__ import annotations

from engine.json_schema import example_for, schema_errors

__all__ = ["example_for", "schema_errors"]
