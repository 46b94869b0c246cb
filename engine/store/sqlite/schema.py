"""The SQLite schema, versioned with ``PRAGMA user_version`` and upgraded by forward migrations.

Versions 1 to 5 are the DDL both backends share (``engine.store.schema_ddl``), in SQLite's
words (TEXT ids, INTEGER epoch-ms times, JSON as TEXT).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from engine.store import failure_rows, schema_ddl, unmet_schema
from engine.store.dialect import SQLITE
from engine.store.sqlite.search import upgrade_to_6

# A migration is a script of statements, or a function of the connection for one that must
# compute its rows (the search index masks secrets).
Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = [
    *schema_ddl.versions_1_to_5(SQLITE),
    # 6 on: each version a script (or a function) of its own, as in postgres/schema.py
    # 6: the search index (engine/store/sqlite/search.py), built for the tasks already there.
    upgrade_to_6,
    # 7: each step's count of unmet dependencies and a task's steps by state
    # (engine/store/unmet_schema.py).
    unmet_schema.sqlite_migration(),
    # 8: the audit rows of failures by step, for the failures view with the handled ones
    # (engine/store/failure_rows.py).
    failure_rows.FAILURES_INDEX,
]

SCHEMA_VERSION = len(MIGRATIONS)
