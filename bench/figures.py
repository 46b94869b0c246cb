"""A figure of a bench run: the median of its runs with their range."""

from __future__ import annotations

import statistics


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
