"""The SQLite backend (the embedded default): ``store.SqliteStore`` and the modules it is built
from. Logic that does not depend on SQL lives once in ``engine.store`` and is shared with the
PostgreSQL backend."""

from __future__ import annotations
