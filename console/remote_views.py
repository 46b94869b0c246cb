"""The views the console adds to Tasker's REST API: the grid, search and the failures view,
read through the task list's pages or ``tasker serve``'s own routes (``RemoteEngine`` mixes
them in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.data import SearchUnavailable
from console.remote_rows import RemoteError, grid_step, list_row, ms

if TYPE_CHECKING:
    import httpx

SEARCH_HEADER = "x-tasker-search"  # "applied": the server searched (a server without: absent)
SEARCH_UNAVAILABLE = "this server does not search: / matches ids, names and states loaded"
NO_FAILURES_ROUTE = "the failures view is not available over HTTP from this server"
LIST_CAP = 500  # the most tasks the list loads over HTTP (each is a full TaskResponse)
PAGE = 100  # Tasker's largest per_page


class RemoteViews:
    if TYPE_CHECKING:  # provided by RemoteEngine

        async def _call(self, method: str, path: str, **options: Any) -> httpx.Response: ...
        async def _json(self, method: str, path: str, **options: Any) -> Any: ...
        async def _page(
            self, page: int, per_page: int, **filters: str | None
        ) -> dict[str, Any]: ...

    async def task_grid(self, namespace: str, name: str, limit: int = 40) -> list[dict[str, Any]]:
        """The grid's rows from the task list's pages (a TaskResponse carries its steps'
        states); only a task with a failed step costs one more request, for its error codes."""
        found: list[dict[str, Any]] = []
        page = 1
        while len(found) < limit and page <= LIST_CAP // PAGE:  # newest first, page by page
            body = await self._page(page, PAGE, namespace=namespace)
            found += [t for t in body["tasks"] if t["name"] == name]
            if not body["pagination"]["has_next"]:
                break
            page += 1
        rows = []
        for task in found[:limit]:
            steps = task.get("steps") or []
            if any(s["current_state"] == "error" for s in steps):
                steps = await self._json("GET", f"/v1/tasks/{task['task_uuid']}/workflow_steps")
            rows.append({
                "task_uuid": task["task_uuid"], "status": task["status"],
                "created_at": ms(task["created_at"]),
                "steps": [grid_step(s) for s in steps],
            })  # fmt: skip
        return rows

    async def search_tasks(self, query: str, limit: int = 1000) -> dict[str, Any]:
        """The server's search (our ``search`` parameter of the task list); a server without
        it answers as if there were none: SearchUnavailable."""
        tasks: list[dict[str, Any]] = []
        total, page = 0, 1
        while len(tasks) < min(limit, LIST_CAP):
            params = {"page": page, "per_page": PAGE, "search": query}
            response = await self._call("GET", "/v1/tasks", params=params)
            if response.headers.get(SEARCH_HEADER) != "applied":
                raise SearchUnavailable(SEARCH_UNAVAILABLE)
            body = response.json()
            total = int(body["pagination"]["total_count"])
            tasks += [{**list_row(t), "matched": ""} for t in body["tasks"]]
            if not body["pagination"]["has_next"]:
                break
            page += 1
        note = "over HTTP the rows do not say which field matched"
        return {"total": total, "tasks": tasks[:limit], "note": note}

    # the failures view: tasker serve's console routes (a Tasker server has none: 404)
    async def _failures_route(self, method: str, path: str, **options: Any) -> Any:
        try:
            return await self._json(method, f"/v1/console/failures{path}", **options)
        except RemoteError as exc:
            if "not found" in str(exc).lower() or "404" in str(exc):
                raise RemoteError(NO_FAILURES_ROUTE) from None
            raise

    async def failures(self, include_handled: bool = False) -> list[dict[str, Any]]:
        params = {"all": "true"} if include_handled else {}
        return list(await self._failures_route("GET", "", params=params))

    async def failure_preview(self, action: str, targets: Any) -> dict[str, Any]:
        body = {"action": action, "targets": [list(t) for t in targets]}
        return dict(await self._failures_route("POST", "/preview", json=body))

    async def act_on_failures(
        self, action: str, targets: Any, reason: str, by: str | None = None, on_progress: Any = None
    ) -> dict[str, Any]:
        """One request: the server acts on every target (no progress until it answers)."""
        body = {"action": action, "targets": [list(t) for t in targets], "reason": reason}
        return dict(await self._failures_route("POST", "/batch", json={**body, "by": by or "-"}))
