"""TaskerClient: synchronous task creation and reads against a real SQLite file."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tasker_core.client import TaskerClient, TaskerClientError, TaskResponse

DATA = Path(__file__).parent / "data"
ORDER = {"order_id": 1042, "customer_email": "ada@example.com"}


@pytest.fixture
def client(tmp_path: Path):
    with TaskerClient(
        initiator="shop-web", source_system="shop", db=tmp_path / "t.db", templates=[DATA]
    ) as c:
        yield c


def create(client: TaskerClient, **kw: Any) -> TaskResponse:
    return client.create_task(
        "client_orders", namespace="testing", context=kw.pop("context", ORDER), **kw
    )


def test_create_task_returns_a_pending_task_response(client: TaskerClient) -> None:
    task = create(client, reason="Process order #1042")
    assert task.created is True
    assert (task.name, task.namespace, task.version, task.status) == (
        "client_orders",
        "testing",
        "1.0.0",
        "pending",
    )
    assert (task.initiator, task.source_system, task.reason) == (
        "shop-web",
        "shop",
        "Process order #1042",
    )
    assert task.context == ORDER
    assert task["task_uuid"] == task.task_uuid
    assert [s["name"] for s in task.steps] == ["record_order"]


def test_one_idempotency_key_twice_gives_one_task(client: TaskerClient) -> None:
    first = create(client, idempotency_key="order-1042")
    again = create(client, idempotency_key="order-1042", context={**ORDER, "retry": True})
    assert (first.created, again.created) == (True, False)
    assert again.task_uuid == first.task_uuid
    assert [t.task_uuid for t in client.list_tasks(namespace="testing")] == [first.task_uuid]


def test_get_by_prefix_list_and_cancel(client: TaskerClient) -> None:
    task = create(client)
    assert client.get_task(task.task_uuid[:13]).task_uuid == task.task_uuid
    listed = client.list_tasks(status="pending")
    assert len(listed) == 1 and listed.tasks[0].task_uuid == task.task_uuid
    cancelled = client.cancel_task(task.task_uuid, reason="customer changed their mind")
    assert cancelled["status"] == "cancelled" and cancelled["cancelled"] is True
    assert client.get_task(task.task_uuid).status == "cancelled"


def test_the_database_defaults_to_tasker_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKER_DB", str(tmp_path / "from_env.db"))
    monkeypatch.setenv("TASKER_TEMPLATE_PATH", str(DATA))
    with TaskerClient() as env_client:
        task = create(env_client)
    assert (tmp_path / "from_env.db").exists()
    with TaskerClient(db=tmp_path / "from_env.db", templates=[DATA]) as reader:
        assert reader.get_task(task.task_uuid).initiator == "tasker-core-python"


async def test_callable_from_inside_a_running_event_loop(client: TaskerClient) -> None:
    task = create(client)  # a sync call from an async route handler, say
    assert client.get_task(task.task_uuid).status == "pending"


def test_safe_from_many_request_threads(client: TaskerClient) -> None:
    def submit(n: int) -> str:
        return create(client, idempotency_key=f"order-{n % 5}").task_uuid

    with ThreadPoolExecutor(max_workers=8) as pool:
        uuids = list(pool.map(submit, range(40)))
    assert len(set(uuids)) == 5
    assert len(client.list_tasks(limit=100)) == 5
    assert threading.active_count() < 20


def test_unknown_template_is_a_one_line_error(client: TaskerClient) -> None:
    with pytest.raises(TaskerClientError) as caught:
        client.create_task("no_such_workflow", namespace="testing", context={})
    assert "no_such_workflow" in str(caught.value) and "\n" not in str(caught.value)


def test_unknown_task_is_a_one_line_error(client: TaskerClient) -> None:
    with pytest.raises(TaskerClientError) as caught:
        client.get_task("ffffffff")
    assert "\n" not in str(caught.value)


def test_tasker_request_fields_are_accepted_and_typos_are_not(client: TaskerClient) -> None:
    assert create(client, priority=5, tags=["web"]).created
    with pytest.raises(TypeError, match="idempotencykey"):
        create(client, idempotencykey="x")


def test_the_client_is_importable_from_the_package_too() -> None:
    from tasker_core import TaskerClient as FromPackage

    assert FromPackage is TaskerClient


def test_a_closed_client_refuses_calls(tmp_path: Path) -> None:
    closed = TaskerClient(db=tmp_path / "c.db", templates=[DATA])
    create(closed)
    closed.close()
    closed.close()  # closing twice is harmless
    with pytest.raises(TaskerClientError, match="closed"):
        create(closed)


def test_steps_audit_and_health_read_the_real_database(client: TaskerClient) -> None:
    task = create(client)
    (step,) = client.list_task_steps(task.task_uuid)
    assert (step.name, step.current_state, step.task_uuid) == (
        "record_order",
        "pending",
        task.task_uuid,
    )
    assert client.get_step(task.task_uuid, step.step_uuid) == step
    assert client.get_step(task.task_uuid, "record_order") == step
    client.cancel_task(task.task_uuid, reason="customer changed their mind")
    history = client.get_step_audit_history(task.task_uuid, step.step_uuid)
    assert [(e.step_name, e.from_state, e.to_state) for e in history] == [
        ("record_order", None, "pending"),
        ("record_order", "pending", "cancelled"),
    ]
    assert all(entry.recorded_at for entry in history)
    health = client.health_check()
    assert (health.healthy, health.status) == (True, "ok")


def test_list_tasks_has_tasker_pagination(client: TaskerClient) -> None:
    for n in range(3):
        create(client, idempotency_key=f"page-{n}")
    page = client.list_tasks(limit=2, offset=0)
    assert len(page) == 2
    assert (page.pagination.page, page.pagination.per_page, page.pagination.has_next) == (
        1,
        2,
        True,
    )
