"""The console's data over Tasker's orchestration REST API (``tasker console --url``).

``RemoteEngine`` answers the calls the console makes of ``engine.api.Engine`` (``ConsoleData``
in ``console.data``) with httpx requests to ``tasker serve`` or any Tasker orchestration server,
and turns the API's components back into the engine's views. What the API does not carry is
left empty (a handler name, a retry policy) or refused in one line (give up), never made up.
Changes are found by re-reading the newest ``WATCHED`` tasks: the API has no change feed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from console.remote_impact import RemoteImpactMixin
from console.remote_rows import RemoteError, audit_row, fingerprint, list_row, step_view
from console.remote_views import LIST_CAP, NO_FAILURES_ROUTE, PAGE, RemoteViews
from engine.states import TaskState

__all__ = ["NO_FAILURES_ROUTE", "RemoteEngine", "RemoteError"]

WATCHED = 100  # the newest tasks re-read at each poll to find what changed


class WallClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class RemoteStep:
    name: str
    dependencies: list[str]
    description: str | None = None


@dataclass(frozen=True)
class RemoteTemplate:
    """What the console reads of a template (``engine.templates.TaskTemplate``'s names)."""

    namespace_name: str
    name: str
    version: str
    description: str | None
    input_schema: dict[str, Any] | None
    steps: list[RemoteStep] = field(default_factory=list)


@dataclass(frozen=True)
class Created:
    task_uuid: str
    created: bool


def api_message(response: httpx.Response) -> str:
    """The one line an ApiError body (or Tasker's ``error`` envelope) carries."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict):
                text = value.get("message") or value.get("reason") or value.get("operation")
                if text:
                    return " ".join(str(text).split())
    return f"HTTP {response.status_code}: {str(body)[:200]}"


class RemoteEngine(RemoteViews, RemoteImpactMixin):
    """The console's data from a Tasker orchestration server."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self.url = url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.url, headers=headers, timeout=30, transport=transport
        )
        self.clock = WallClock()
        self._templates: list[RemoteTemplate] = []
        self._seen: dict[str, tuple[Any, ...]] = {}
        self._cursor = 0
        self._changed: dict[str, int] = {}  # task uuid -> the cursor of its latest change

    async def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, path, **options)
        except httpx.TransportError as exc:
            raise RemoteError(f"cannot reach {self.url}: {exc or type(exc).__name__}") from None
        if response.status_code >= 400:
            raise RemoteError(api_message(response))
        return response

    async def _json(self, method: str, path: str, **options: Any) -> Any:
        return (await self._call(method, path, **options)).json()

    async def open(self) -> None:
        """Check the server answers (and accepts the key) and read its templates."""
        listing = await self._json("GET", "/v1/templates")
        templates = []
        for t in listing["templates"]:
            path = f"/v1/templates/{t['namespace']}/{t['name']}/{t['version']}"
            detail = await self._json("GET", path)
            config = detail.get("configuration") or {}
            defined = detail.get("steps") or []
            known = all("dependencies" in s for s in defined)  # Tasker's own server omits them
            steps = [RemoteStep(s["name"], s["dependencies"]) for s in defined] if known else []
            templates.append(
                RemoteTemplate(
                    t["namespace"], t["name"], t["version"], t.get("description"),
                    config.get("input_schema"), steps,
                )
            )  # fmt: skip
        self._templates = templates

    async def close(self) -> None:
        await self.http.aclose()

    def templates(self) -> list[RemoteTemplate]:
        return list(self._templates)

    async def _page(self, page: int, per_page: int, **filters: str | None) -> dict[str, Any]:
        params = {"page": page, "per_page": per_page, **{k: v for k, v in filters.items() if v}}
        body: dict[str, Any] = await self._json("GET", "/v1/tasks", params=params)
        return body

    async def _newest(self, limit: int, **filters: str | None) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = []
        page = 1
        while len(tasks) < limit:
            body = await self._page(page, PAGE, **filters)
            tasks += body["tasks"]
            if not body["pagination"]["has_next"]:
                break
            page += 1
        return tasks[:limit]

    async def list_tasks(
        self,
        namespace: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        wanted = min(offset + limit, LIST_CAP)
        found = await self._newest(wanted, namespace=namespace, status=status)
        for task in found:
            self._seen[task["task_uuid"]] = fingerprint(task)
        return [list_row(t) for t in found[offset:]]

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        rows = []
        for uuid in task_uuids:
            try:
                rows.append(list_row(await self._json("GET", f"/v1/tasks/{uuid}")))
            except RemoteError:
                continue  # gone meanwhile: left out, as the engine leaves unknown uuids out
        return rows

    async def task_counts(self) -> dict[str, int]:
        counts = {}
        for state in TaskState:
            total = (await self._page(1, 1, status=state))["pagination"]["total_count"]
            if total:
                counts[str(state)] = total
        return counts

    async def change_cursor(self) -> int:
        return (await self.changes_since(self._cursor))[0]

    async def changes_since(self, cursor: int) -> tuple[int, list[str]]:
        """The watched tasks that changed after ``cursor``, and the new cursor.

        Each look numbers the changes it finds (the API has no change feed to hold a position
        in); a caller cancelled before it used an answer asks again with its old cursor and
        gets the same tasks back."""
        for task in (await self._page(1, WATCHED))["tasks"]:
            now = fingerprint(task)
            if self._seen.get(task["task_uuid"]) != now:
                self._seen[task["task_uuid"]] = now
                self._cursor += 1
                self._changed[task["task_uuid"]] = self._cursor
        return self._cursor, [uuid for uuid, n in self._changed.items() if n > cursor]

    async def get_task(self, uuid: str) -> dict[str, Any]:
        task = await self._json("GET", f"/v1/tasks/{uuid}")
        steps = await self._json("GET", f"/v1/tasks/{uuid}/workflow_steps")
        view = list_row(task)
        view.update(
            execution_status=task["execution_status"],
            context=task["context"],
            identity_hash=None,
            idempotency_key=task.get("idempotency_key"),
            template_id=None,
            steps=[step_view(s) for s in steps],
        )
        return view

    async def _step_uuid(self, task_uuid: str, name: str) -> str:
        steps = await self._json("GET", f"/v1/tasks/{task_uuid}/workflow_steps")
        for step in steps:
            if step["name"] == name:
                return str(step["step_uuid"])
        raise RemoteError(f"task {task_uuid[-8:]} has no step '{name}'")

    async def step_audit(self, task_uuid: str, step_name: str) -> list[dict[str, Any]]:
        step = await self._step_uuid(task_uuid, step_name)
        records = await self._json("GET", f"/v1/tasks/{task_uuid}/workflow_steps/{step}/audit")
        return [audit_row(r) for r in reversed(records)]  # the engine's order: oldest first

    async def create_task(
        self,
        name: str,
        namespace: str,
        context: dict[str, Any] | None = None,
        version: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Created:
        body = {
            "name": name, "namespace": namespace, "version": version, "context": context or {},
            "initiator": initiator, "source_system": source_system or "tasker-console",
            "reason": reason or "Task requested", "idempotency_key": idempotency_key,
        }  # fmt: skip
        response = await self._call("POST", "/v1/tasks", json=body)
        return Created(response.json()["task_uuid"], response.status_code == 201)

    async def _act(self, task: str, step: str, action: dict[str, Any]) -> dict[str, Any]:
        step_uuid = await self._step_uuid(task, step)
        await self._call("PATCH", f"/v1/tasks/{task}/workflow_steps/{step_uuid}", json=action)
        return await self.get_task(task)

    async def reset_step(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        action = {"action_type": "reset_for_retry", "reason": reason, "reset_by": by or "console"}
        return await self._act(task, step, action)

    async def retry_now(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        raise RemoteError(
            "retry now is not in Tasker's REST API: wait for the retry, or resolve or complete it"
        )

    async def resolve_step(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        action = {
            "action_type": "resolve_manually",
            "reason": reason,
            "resolved_by": by or "console",
        }
        return await self._act(task, step, action)

    async def complete_step(
        self, task: str, step: str, results: dict[str, Any], reason: str, by: str | None = None
    ) -> dict[str, Any]:
        action = {
            "action_type": "complete_manually", "reason": reason, "completed_by": by or "console",
            "completion_data": {"result": results},
        }  # fmt: skip
        return await self._act(task, step, action)

    async def cancel_task(
        self, task: str, reason: str | None = None, by: str | None = None
    ) -> dict[str, Any]:
        """Tasker's DELETE takes no reason: the server audits the cancel under its key's name."""
        await self._call("DELETE", f"/v1/tasks/{task}")
        return await self.get_task(task)

    async def give_up(
        self, task: str, reason: str | None = None, by: str | None = None
    ) -> dict[str, Any]:
        raise RemoteError(
            "give up is not in Tasker's REST API: resolve or complete the failed step, or cancel"
        )
