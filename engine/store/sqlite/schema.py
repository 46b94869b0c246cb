"""The SQLite schema, versioned with ``PRAGMA user_version`` and upgraded by forward migrations.

Versions 1 to 5 are the DDL both backends share (``engine.store.schema_ddl``), in SQLite's
words (TEXT ids, INTEGER epoch-ms times, JSON as TEXT).
"""

from __future__ import annotations

from engine.store import schema_ddl, unmet_schema
from engine.store.dialect import SQLITE

MIGRATIONS: list[str] = [
    *schema_ddl.versions_1_to_5(SQLITE),
    # 6: each step's count of unmet dependencies and a task's steps by state
    # (engine/store/unmet_schema.py).
    unmet_schema.sqlite_migration(),
    # 6 on: a new version's SQLite DDL, a script of its own (PostgreSQL's: postgres/schema.py)
]

SCHEMA_VERSION = len(MIGRATIONS)
