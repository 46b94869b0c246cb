"""The PostgreSQL backend (many hosts on one database): ``store.PostgresStore`` and the modules
it is built from. Logic that does not depend on SQL lives once in ``engine.store`` and is shared
with the SQLite backend."""

from __future__ import annotations
