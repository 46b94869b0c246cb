"""This project's version, as Tasker's ``tasker_core.version()`` reports its own."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "tasker-console"


def version() -> str:
    """The installed version of this project (``0.0.0`` when run from a bare checkout)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def get_version() -> str:
    return version()


__version__ = version()
