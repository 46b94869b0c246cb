"""The PostgreSQL store's read of failed steps, for the failures view (``engine.failures``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from engine.store.failure_rows import LATEST_FAILURE_SQL, OUTSTANDING_SQL, failed_step_row
from engine.store.postgres.tx import Tx

R = TypeVar("R")


class FailuresMixin:
    if TYPE_CHECKING:  # provided by PostgresStore

        async def _read(self, fn: Callable[..., Awaitable[R]], *args: Any) -> R: ...

    async def failed_steps(self, include_handled: bool = False) -> list[dict[str, Any]]:
        return await self._read(_failed_steps, include_handled)


async def _failed_steps(tx: Tx, include_handled: bool) -> list[dict[str, Any]]:
    sql = LATEST_FAILURE_SQL if include_handled else OUTSTANDING_SQL
    return [failed_step_row(row) for row in await tx.all(sql)]
