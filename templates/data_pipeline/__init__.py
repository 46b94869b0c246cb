"""The analytics pipeline: three parallel extracts, three transforms, one aggregate, insights."""

from __future__ import annotations
