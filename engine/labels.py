"""How the engine names things to people: a database on screen, the operator who acts."""

from __future__ import annotations

import getpass
from pathlib import Path

from engine.store import is_postgres, sqlite_path


def database_label(db: str | Path) -> str:
    """How a database is named on screen: its file name, or its URL without the password."""
    if is_postgres(str(db)):
        from engine.store.postgres.store import label_of

        return label_of(str(db))
    return Path(sqlite_path(str(db))).name


def default_operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers): still audit something useful
        return "operator"
