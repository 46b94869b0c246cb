"""Every answer of a real ``tasker serve`` (real HTTP on loopback, each backend) is one Tasker's
OpenAPI document declares, with a body valid against its schema."""

from __future__ import annotations

import uuid
from typing import Any

from tests.serve.conftest import Served
from tests.serve.support import check, check_component, run_tasker, step_uuid

TASK = "/v1/tasks/{uuid}"
STEPS = "/v1/tasks/{uuid}/workflow_steps"
STEP = "/v1/tasks/{uuid}/workflow_steps/{step_uuid}"
AUDIT = "/v1/tasks/{uuid}/workflow_steps/{step_uuid}/audit"
DECLINED = "tok_test_declined"


def checkout(order: str, token: str = DECLINED, **fields: Any) -> dict[str, Any]:
    context = {
        "items": [{"sku": order, "name": "Widget", "quantity": 1, "unit_price": 10}],
        "customer_email": f"{order}@example.com",
        "payment_token": token,
    }
    return {"name": "order_processing", "namespace": "ecommerce", "context": context, **fields}


def create(served: Served, body: dict[str, Any]) -> dict[str, Any]:
    answer = served.http.post("/v1/tasks", json=body)
    assert answer.status_code == 201, answer.text
    return check(answer, "POST", "/v1/tasks")  # type: ignore[no-any-return]


def blocked_checkouts(served: Served, *orders: str) -> list[dict[str, Any]]:
    """New checkouts whose payment is declined, run by a real ``tasker worker`` until idle."""
    made = [create(served, checkout(order)) for order in orders]
    run_tasker(served.db, "worker", "--until-idle", "--quiet")
    tasks = [check(served.http.get(f"/v1/tasks/{t['task_uuid']}"), "GET", TASK) for t in made]
    assert [t["status"] for t in tasks] == ["blocked_by_failures"] * len(orders)
    return tasks


def test_a_checkout_is_created_once_and_its_declined_payment_reset(served: Served) -> None:
    first = create(served, checkout("reset-1"))
    assert first["status"] == "pending" and first["total_steps"] == 5
    again = served.http.post("/v1/tasks", json=checkout("reset-1"))
    assert again.status_code == 200  # the same identity: the existing task, not a new one
    check_component(again.json(), "TaskResponse")
    assert again.json()["task_uuid"] == first["task_uuid"]

    run_tasker(served.db, "worker", "--until-idle", "--quiet")
    task = check(served.http.get(f"/v1/tasks/{first['task_uuid']}"), "GET", TASK)
    assert task["status"] == "blocked_by_failures"
    assert (task["execution_status"], task["recommended_action"]) == (
        "blocked_by_failures",
        "handle_failures",
    )
    assert task["context"]["payment_token"] != DECLINED  # masked: no key reveals here
    payment = step_uuid(task, "process_payment")
    steps = check(served.http.get(f"/v1/tasks/{first['task_uuid']}/workflow_steps"), "GET", STEPS)
    failed = next(s for s in steps if s["name"] == "process_payment")
    assert failed["current_state"] == "error" and DECLINED not in str(failed)

    url = f"/v1/tasks/{first['task_uuid']}/workflow_steps/{payment}"
    reset = {"action_type": "reset_for_retry", "reason": "new card", "reset_by": "ops@example.com"}
    step = check(served.http.patch(url, json=reset), "PATCH", STEP)
    assert (step["current_state"], step["attempts"], step["ready_for_execution"]) == (
        "pending",
        0,
        True,
    )
    assert check(served.http.get(url), "GET", STEP)["current_state"] == "pending"
    audit = check(served.http.get(f"{url}/audit"), "GET", AUDIT)
    newest = audit[0]
    assert (newest["from_state"], newest["to_state"]) == ("error", "pending")
    assert (newest["by"], newest["reason"]) == ("ops@example.com via loopback", "new card")
    assert DECLINED not in str(audit)


def test_resolve_and_complete_manually_move_the_checkout_on(served: Served) -> None:
    resolved, completed = blocked_checkouts(served, "resolve-1", "complete-1")
    url = "/v1/tasks/{}/workflow_steps/{}"
    body: dict[str, Any] = {
        "action_type": "resolve_manually",
        "reason": "paid by phone",
        "resolved_by": "ann",
    }
    step = check(
        served.http.patch(
            url.format(resolved["task_uuid"], step_uuid(resolved, "process_payment")), json=body
        ),
        "PATCH",
        STEP,
    )
    assert step["current_state"] == "resolved_manually" and step["results"] is None

    result = {"payment_id": "pay_1", "amount_charged": 20.79, "status": "succeeded"}
    body = {
        "action_type": "complete_manually",
        "reason": "charged by hand",
        "completed_by": "bob",
        "completion_data": {"result": result, "metadata": {"ticket": "OPS-7"}},
    }
    target = url.format(completed["task_uuid"], step_uuid(completed, "process_payment"))
    step = check(served.http.patch(target, json=body), "PATCH", STEP)
    assert (step["current_state"], step["results"]) == ("complete", result)
    audit = check(served.http.get(f"{target}/audit"), "GET", AUDIT)
    assert audit[0]["by"] == "bob via loopback" and "OPS-7" in audit[0]["reason"]
    task = check(served.http.get(f"/v1/tasks/{completed['task_uuid']}"), "GET", TASK)
    assert task["status"] != "blocked_by_failures"

    again = served.http.patch(target, json=body)  # completing a complete step: refused, 400
    assert "complete" in check(again, "PATCH", STEP)["BadRequest"]["message"]


def test_the_list_pages_and_filters(served: Served) -> None:
    for n in range(3):
        create(served, checkout(f"list-{n}", token="tok_ok", initiator="list-test"))
    first = check(served.http.get("/v1/tasks?per_page=2&initiator=list-test"), "GET", "/v1/tasks")
    assert first["pagination"] == {
        "page": 1,
        "per_page": 2,
        "total_count": 3,
        "total_pages": 2,
        "has_next": True,
        "has_previous": False,
    }
    second = check(
        served.http.get("/v1/tasks?per_page=2&page=2&initiator=list-test"), "GET", "/v1/tasks"
    )
    assert len(second["tasks"]) == 1 and second["pagination"]["has_previous"]
    uuids = {t["task_uuid"] for t in first["tasks"] + second["tasks"]}
    assert len(uuids) == 3
    every = check(served.http.get("/v1/tasks?per_page=100"), "GET", "/v1/tasks")
    assert every["pagination"]["total_count"] >= 3
    pending = check(served.http.get("/v1/tasks?status=pending"), "GET", "/v1/tasks")
    assert {t["status"] for t in pending["tasks"]} <= {"pending"}
    for bad in ("status=nonsense", "page=0", "per_page=101", "page=x", "page=" + "9" * 20):
        answer = served.http.get(f"/v1/tasks?{bad}")
        assert answer.status_code == 400, bad
        assert check(answer, "GET", "/v1/tasks")["BadRequest"]["message"]


def test_cancel_then_cancel_again_then_an_unknown_task(served: Served) -> None:
    task = create(served, checkout("cancel-1", token="tok_ok"))
    gone = check(served.http.delete(f"/v1/tasks/{task['task_uuid']}"), "DELETE", TASK)
    assert gone["status"] == "cancelled"
    again = check(served.http.delete(f"/v1/tasks/{task['task_uuid']}"), "DELETE", TASK)
    assert "cancelled" in again["BadRequest"]["message"]
    unknown = served.http.delete(f"/v1/tasks/{uuid.uuid4()}")
    assert unknown.status_code == 404
    check(unknown, "DELETE", TASK)
    assert served.http.get(f"/v1/tasks/{uuid.uuid4()}").status_code == 404


def test_bad_input_is_a_400_with_a_message_never_a_500(served: Served) -> None:
    task = create(served, checkout("bad-1", token="tok_ok"))
    base = f"/v1/tasks/{task['task_uuid']}/workflow_steps"
    step = f"{base}/{step_uuid(task, 'validate_cart')}"
    cases = [
        ("POST", "/v1/tasks", served.http.post("/v1/tasks", content=b"{not json")),
        (
            "POST",
            "/v1/tasks",
            served.http.post("/v1/tasks", json={**checkout("x"), "context": [1]}),
        ),
        ("POST", "/v1/tasks", served.http.post("/v1/tasks", json={"namespace": "ecommerce"})),
        (
            "POST",
            "/v1/tasks",
            served.http.post(
                "/v1/tasks",
                content=b'{"name":"order_processing","namespace":"ecommerce","context":{"a":NaN}}',
                headers={"content-type": "application/json"},
            ),
        ),
        ("GET", STEP, served.http.get(f"{base}/not-a-uuid")),
        ("PATCH", STEP, served.http.patch(step, json={"action_type": "delete_everything"})),
        ("PATCH", STEP, served.http.patch(step, json={"action_type": "reset_for_retry"})),
        (
            "PATCH",
            STEP,
            served.http.patch(
                step,
                json={
                    "action_type": "complete_manually",
                    "reason": "r",
                    "completed_by": "c",
                    "completion_data": {"result": [1, 2]},
                },
            ),
        ),
    ]
    for method, path, answer in cases:
        assert answer.status_code == 400, (method, path, answer.text)
        message = check(answer, method, path)["BadRequest"]["message"]
        assert message and "\n" not in message
    malformed = served.http.get("/v1/tasks/not-a-uuid")  # the document declares no 400 here
    assert (
        malformed.status_code == 404
        and "not a UUID" in check(malformed, "GET", TASK)["NotFound"]["message"]
    )
    missing = served.http.get(f"{base}/{uuid.uuid4()}")
    assert missing.status_code == 404 and check(missing, "GET", STEP)["NotFound"]["message"]
    unknown = served.http.post("/v1/tasks", json={**checkout("x"), "name": "no_such_template"})
    assert unknown.status_code == 404 and "no template" in unknown.json()["NotFound"]["message"]
    check_component(unknown.json(), "ApiError")


def test_templates_and_health(served: Served) -> None:
    listing = check(served.http.get("/v1/templates"), "GET", "/v1/templates")
    names = {(t["namespace"], t["name"]) for t in listing["templates"]}
    assert ("ecommerce", "order_processing") in names
    only = check(served.http.get("/v1/templates?namespace=ecommerce"), "GET", "/v1/templates")
    assert {t["namespace"] for t in only["templates"]} == {"ecommerce"}
    assert only["total_count"] == listing["total_count"]
    path = "/v1/templates/{namespace}/{name}/{version}"
    detail = check(served.http.get("/v1/templates/ecommerce/order_processing/1.0.0"), "GET", path)
    assert [s["name"] for s in detail["steps"]][:2] == ["validate_cart", "process_payment"]
    missing = served.http.get("/v1/templates/ecommerce/order_processing/9.9.9")
    assert missing.status_code == 404 and check(missing, "GET", path)
    for probe in ("/health", "/live", "/ready"):
        check(served.http.get(probe), "GET", probe)
    assert served.http.get("/ready").json()["status"] == "ready"


def test_blocked_tasks_are_the_investigation_queue_and_the_rest_says_501(served: Served) -> None:
    (task,) = blocked_checkouts(served, "dlq-1")
    queue = check(
        served.http.get("/v1/dlq/investigation-queue"), "GET", "/v1/dlq/investigation-queue"
    )
    entry = next(e for e in queue if e["task_uuid"] == task["task_uuid"])
    assert (entry["dlq_reason"], entry["original_state"]) == (
        "MaxRetriesExceeded",
        "blocked_by_failures",
    )
    path = "/v1/dlq/task/{task_uuid}"
    detail = check(served.http.get(f"/v1/dlq/task/{task['task_uuid']}"), "GET", path)
    assert detail["dlq_entry_uuid"] == entry["dlq_entry_uuid"]
    assert DECLINED not in str(detail["task_snapshot"])
    ok = create(served, checkout("dlq-2", token="tok_ok"))
    assert served.http.get(f"/v1/dlq/task/{ok['task_uuid']}").status_code == 404
    for method, url in (
        ("GET", "/v1/dlq"),
        ("GET", "/v1/dlq/stats"),
        ("GET", "/v1/dlq/staleness"),
        ("PATCH", f"/v1/dlq/entry/{uuid.uuid4()}"),
        ("GET", "/config"),
        ("GET", "/health/detailed"),
    ):
        answer = served.http.request(method, url, json={} if method == "PATCH" else None)
        assert answer.status_code == 501, (url, answer.text)
        check_component(answer.json(), "ApiError")
        assert "not available" in answer.json()["BadRequest"]["message"]


def test_analytics_come_from_the_tasks_rows(served: Served) -> None:
    made = [create(served, checkout(f"fast-{n}", token="tok_ok")) for n in range(5)]
    outbox = {"TASKER_DEMO_OUTBOX": str(served.folder / "outbox.db")}
    run_tasker(served.db, "worker", "--until-idle", "--quiet", env=outbox)
    for task in made:
        assert served.http.get(f"/v1/tasks/{task['task_uuid']}").json()["status"] == "complete"
    path = "/v1/analytics/bottlenecks"
    found = check(served.http.get(f"{path}?min_executions=5&limit=50"), "GET", path)
    names = {s["step_name"] for s in found["slow_steps"] if s["task_name"] == "order_processing"}
    assert names >= {"validate_cart", "process_payment", "send_confirmation"}
    payment = next(s for s in found["slow_steps"] if s["step_name"] == "process_payment")
    assert payment["execution_count"] >= 5 and payment["error_count"] >= 1  # declined ones
    health = found["resource_utilization"]["system_health"]
    every = check(served.http.get("/v1/tasks?per_page=1"), "GET", "/v1/tasks")
    assert health["total_tasks"] == every["pagination"]["total_count"]
    assert health["complete_tasks"] >= 5 and health["error_steps"] >= 1
    few = check(served.http.get(f"{path}?min_executions=100000"), "GET", path)
    assert few["slow_steps"] == [] and few["slow_tasks"] == []

    path = "/v1/analytics/performance"
    metrics = check(served.http.get(f"{path}?hours=1"), "GET", path)
    assert metrics["total_tasks"] == every["pagination"]["total_count"]  # all made this hour
    assert metrics["completed_tasks"] >= 5 and 0 < metrics["completion_rate"] <= 100
    bad = served.http.get(f"{path}?hours=-1")
    assert bad.status_code == 400
    check_component(bad.json(), "ApiError")


def test_the_list_searches_with_our_search_parameter(served: Served) -> None:
    """``search`` (our extension): the engine's search language over the list; the response
    says it searched (X-Tasker-Search) so a console can tell a server that ignores it."""
    made = create(served, checkout("find-me-7f3", token="tok_ok"))
    create(served, checkout("other-7f3", token="tok_ok"))
    answer = served.http.get("/v1/tasks?search=find-me-7f3@example")
    found = check(answer, "GET", "/v1/tasks")
    assert answer.headers["X-Tasker-Search"] == "applied"
    assert [t["task_uuid"] for t in found["tasks"]] == [made["task_uuid"]]
    assert found["pagination"]["total_count"] == 1
    both = check(served.http.get("/v1/tasks?search=ctx.items.sku:7f3"), "GET", "/v1/tasks")
    assert both["pagination"]["total_count"] == 2
    assert "X-Tasker-Search" not in served.http.get("/v1/tasks").headers
    for bad in ("search=colour:red", "search=x&status=pending"):
        answer = served.http.get(f"/v1/tasks?{bad}")
        assert answer.status_code == 400, bad
        assert check(answer, "GET", "/v1/tasks")["BadRequest"]["message"]
