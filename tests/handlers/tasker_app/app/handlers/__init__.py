"""A small application laid out like Tasker's example apps (``app.handlers``, ``app.services``)."""

from __future__ import annotations
