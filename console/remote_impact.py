"""What ``RemoteEngine`` answers for the impact preview and the context edit over HTTP.

The preview is worked out here, from the task as the API shows it: which handler reads which
step's results is not visible over HTTP, so those questions are answered "unknown". Editing a
context is not in Tasker's REST API: the console says so before opening any dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.impact import Impact, impact_of
from engine.masking import secret_values

EDIT_CONTEXT_REMOTE = (
    "editing a task's context is not in Tasker's REST API: run the console on the database "
    "(tasker console), or tasker task edit-context there"
)


class NotOverHttp(Exception):
    """An action Tasker's REST API does not offer; ``str()`` is one line."""


class RemoteImpactMixin:
    """Mixed into ``console.remote.RemoteEngine``, which provides ``get_task``."""

    EDIT_CONTEXT_UNAVAILABLE = EDIT_CONTEXT_REMOTE  # the console says so before any dialog

    if TYPE_CHECKING:

        async def get_task(self, uuid: str) -> dict[str, Any]: ...

    async def impact(
        self, task: str, action: str, step: str | None = None, results: Any = None
    ) -> Impact:
        """``engine.impact`` of the task as the API shows it, with no handler's needs known."""
        found = await self.get_task(task)
        return impact_of(action, found, step, results=results, secrets=secret_values(found))

    async def edit_context(
        self, task: str, context: Any, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        raise NotOverHttp(EDIT_CONTEXT_REMOTE)
