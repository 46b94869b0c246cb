"""What ``SqliteStore`` gives its mixins: the ways to run ``fn(connection, *args)``, declared
once for the type checker (``SqliteStore`` defines them, in ``sqlite/store.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

R = TypeVar("R")


class StoreCalls:
    if TYPE_CHECKING:

        async def _call(self, fn: Callable[..., R], *args: Any) -> R: ...
        async def _read_inline(self, fn: Callable[..., R], *args: Any) -> R: ...
        async def _write(self, fn: Callable[..., R], *args: Any) -> R: ...
        async def _write_if(
            self, check: Callable[..., bool], fn: Callable[..., R], *args: Any
        ) -> R: ...
        async def _write_inline(
            self, check: Callable[..., bool] | None, fn: Callable[..., R], *args: Any
        ) -> R: ...
        def _write_now(self, fn: Callable[..., R], *args: Any) -> R | None: ...
