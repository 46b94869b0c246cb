"""Domain events: what steps publish (``publishes_events``), how, and who hears of it."""

from __future__ import annotations
