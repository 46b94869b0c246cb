"""The held-database figure runs its chains on a copy of a database whose chains all finished,
and leaves the full database as it was for the next round."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench import held


def _statuses(db: Path) -> list[str]:
    with sqlite3.connect(db) as cx:
        return [r[0] for r in cx.execute("SELECT status FROM tasks ORDER BY created_at")]


def test_the_chains_run_on_a_copy_of_a_full_database(tmp_path: Path) -> None:
    full = tmp_path / "full.db"
    held.fill(full, 3)
    assert _statuses(full) == ["complete"] * 3
    ms = held.sqlite_ms_per_step(full, tmp_path, 2)
    assert ms > 0
    # The copy holds the full database's chains and the measured ones (and the warm-up)...
    assert _statuses(tmp_path / "held-copy.db") == ["complete"] * (3 + 1 + 2)
    # ...and the full database is unchanged.
    assert _statuses(full) == ["complete"] * 3
