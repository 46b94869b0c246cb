"""Building a big template makes hundreds of thousands of objects (YAML nodes, dicts, pydantic
models) in one go, and every few hundred new objects Python's cycle collector scans the
young ones again: for a 10,000-step template that scanning was over a third of the load time.
Nothing built while loading is a cycle that needs the collector (everything not kept is freed
by reference counting), so it is paused for the load and resumed after, as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause the cycle collector inside the block; leave it as it was found after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
