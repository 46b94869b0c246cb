"""Lists of uuids go to SQLite in runs of at most 999 parameters, each with its placeholders."""

from __future__ import annotations

import pytest

from engine.store.sqlite.tx import SQLITE_MAX_PARAMETERS, chunks


@pytest.mark.parametrize("count", [0, 1, 2, 999, 1000, 2500])
def test_every_value_once_in_order_with_one_placeholder_each(count: int) -> None:
    values = [f"u{n}" for n in range(count)]
    runs = list(chunks(values))
    assert [v for chunk, _ in runs for v in chunk] == values
    for chunk, marks in runs:
        assert 1 <= len(chunk) <= SQLITE_MAX_PARAMETERS
        assert marks.split(",") == ["?"] * len(chunk)
