"""The gateway simulator over real loopback HTTP: ledger, idempotency and every fault."""

from __future__ import annotations

import httpx
import pytest
from tasker_workflows.demo.gateway import PaymentGateway

CHARGE = {"amount_cents": 7477, "currency": "USD", "token": "tok_visa"}


@pytest.fixture
def gateway():
    with PaymentGateway(seed=7) as running:
        yield running
    assert running.server_errors() == []


@pytest.fixture
def client(gateway):
    with httpx.Client(base_url=gateway.url, timeout=5.0) as http:
        yield http


def _charge(client, key, body=CHARGE, **kwargs):
    return client.post("/charges", json=body, headers={"Idempotency-Key": key}, **kwargs)


def test_a_charge_is_recorded_and_readable(client, gateway):
    created = _charge(client, "task-1:process_payment")
    assert created.status_code == 201
    charge = created.json()
    assert charge["amount_cents"] == 7477 and charge["status"] == "succeeded"
    assert charge["id"].startswith("pay_") and charge["replayed"] is False
    assert (
        client.get(f"/charges/{charge['id']}").json()["idempotency_key"] == "task-1:process_payment"
    )
    assert client.get("/ledger").json()["count"] == 1
    assert [c.id for c in gateway.ledger()] == [charge["id"]]


def test_a_repeated_idempotency_key_returns_the_original_charge(client, gateway):
    first = _charge(client, "task-1:process_payment").json()
    again = _charge(client, "task-1:process_payment")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["replayed"] is True
    (charge,) = gateway.ledger()
    assert charge.requests == 2


def test_a_key_reused_for_another_amount_is_refused(client, gateway):
    _charge(client, "k")
    conflict = _charge(client, "k", {**CHARGE, "amount_cents": 100})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"
    assert len(gateway.ledger()) == 1


@pytest.mark.parametrize(
    ("body", "headers", "code", "words"),
    [
        (CHARGE, {}, "idempotency_key_required", "Idempotency-Key"),
        (
            {**CHARGE, "amount_cents": 0},
            {"Idempotency-Key": "k"},
            "invalid_request",
            "amount_cents",
        ),
        (
            {**CHARGE, "amount_cents": "12"},
            {"Idempotency-Key": "k"},
            "invalid_request",
            "amount_cents",
        ),
        ({"amount_cents": 5}, {"Idempotency-Key": "k"}, "invalid_request", "token"),
    ],
)
def test_bad_charge_requests_get_400_naming_the_problem(
    client, gateway, body, headers, code, words
):
    response = client.post("/charges", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert words in response.json()["error"]["message"]
    assert gateway.ledger() == []


def test_non_json_bodies_and_unknown_routes(client):
    assert (
        client.post("/charges", content=b"{nope", headers={"Idempotency-Key": "k"}).status_code
        == 400
    )
    assert client.get("/nowhere").status_code == 404
    assert client.get("/charges/pay_missing").status_code == 404


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_test_declined", "card_declined"), ("tok_test_insufficient_funds", "insufficient_funds")],
)
def test_test_tokens_decline_without_charging(client, gateway, token, code):
    response = _charge(client, "k", {**CHARGE, "token": token})
    assert response.status_code == 402
    assert response.json()["error"]["code"] == code
    assert gateway.ledger() == []


def test_faults_set_over_http_apply_per_token_then_clear(client, gateway):
    plan = {"token": "tok_flaky", "faults": [{"kind": "server_error", "times": 1, "status": 502}]}
    assert client.post("/faults", json=plan).status_code == 200
    flaky = {**CHARGE, "token": "tok_flaky"}
    assert _charge(client, "a", flaky).status_code == 502
    assert _charge(client, "a", flaky).status_code == 201  # the fault was for one request
    assert _charge(client, "b").status_code == 201  # other tokens are untouched
    client.post("/faults", json={"token": "tok_flaky", "faults": [{"kind": "decline"}]})
    assert _charge(client, "c", flaky).status_code == 402
    client.post("/faults", json={"clear": True})
    assert _charge(client, "c", flaky).status_code == 201


def test_bad_fault_plans_are_refused(client):
    response = client.post("/faults", json={"faults": [{"kind": "meteor"}]})
    assert response.status_code == 400
    assert "faults.0.kind" in response.json()["error"]["message"]


def test_rate_limit_answers_429_with_retry_after(client, gateway):
    gateway.set_faults("tok_visa", [{"kind": "rate_limit", "retry_after_s": 2, "times": 1}])
    limited = _charge(client, "k")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert _charge(client, "k").status_code == 201


def test_the_run_default_plan_applies_to_each_token_separately(client, gateway):
    gateway.set_faults(None, [{"kind": "server_error", "times": 1}])
    for token in ("tok_a", "tok_b"):
        body = {**CHARGE, "token": token}
        assert _charge(client, token, body).status_code == 503
        assert _charge(client, token, body).status_code == 201
    assert _charge(client, "dec", {**CHARGE, "token": "tok_test_declined"}).status_code == 402


def test_timeout_fault_answers_504_when_the_caller_waits_long_enough(client, gateway):
    gateway.set_faults("tok_visa", [{"kind": "timeout", "delay_s": 0.05, "times": 1}])
    assert _charge(client, "k").status_code == 504
    assert gateway.ledger() == []


def test_timeout_past_the_callers_timeout_charges_nothing(client, gateway):
    gateway.set_faults("tok_visa", [{"kind": "timeout", "times": 1}])
    with pytest.raises(httpx.ReadTimeout):
        _charge(client, "k", timeout=0.2)
    assert gateway.ledger() == []


def test_the_timeout_once_token_times_out_once_per_order(client, gateway):
    body = {**CHARGE, "token": "tok_test_timeout_once"}
    for order in ("task-8", "task-9"):
        with pytest.raises(httpx.ReadTimeout):
            _charge(client, f"{order}:process_payment", body, timeout=0.2)
        assert _charge(client, f"{order}:process_payment", body).status_code == 201
    assert [r["fault"] for r in gateway.requests()] == ["timeout", None, "timeout", None]
    assert len(gateway.ledger()) == 2


def test_stall_after_charge_takes_the_charge_and_the_retry_gets_it_back(client, gateway):
    gateway.set_faults("tok_visa", [{"kind": "stall_after_charge", "times": 1}])
    with pytest.raises(httpx.ReadTimeout):
        _charge(client, "task-9:process_payment", timeout=0.2)
    taken = gateway.wait_for_charge("task-9:process_payment")
    assert gateway.ledger() == [taken]  # the money moved even though the caller saw a timeout
    retry = _charge(client, "task-9:process_payment")
    assert retry.status_code == 200 and retry.json()["id"] == taken.id
    assert len(gateway.ledger()) == 1


def test_slow_request_charges_late_but_only_once(client, gateway):
    gateway.set_faults("tok_visa", [{"kind": "slow", "delay_s": 0.5, "times": 1}])
    with pytest.raises(httpx.ReadTimeout):
        _charge(client, "k", timeout=0.1)
    retry = _charge(client, "k")  # arrives while the slow one is still held
    assert retry.status_code == 201
    assert gateway.wait_idle()  # the held request wakes, finds the key, and replays
    (charge,) = gateway.ledger()
    assert charge.id == retry.json()["id"] and charge.requests == 2


def test_stopping_abandons_held_requests_without_charging():
    gateway = PaymentGateway().start()
    gateway.set_faults("tok_visa", [{"kind": "slow"}])
    with httpx.Client(base_url=gateway.url) as client, pytest.raises(httpx.ReadTimeout):
        _charge(client, "k", timeout=0.1)
    gateway.stop()
    assert gateway.ledger() == []
    with pytest.raises(RuntimeError, match="not running"):
        _ = gateway.url


def test_ids_are_deterministic_for_a_seed():
    def first_charge_id(seed):
        with PaymentGateway(seed=seed) as gw, httpx.Client(base_url=gw.url) as http:
            return _charge(http, "task-1:process_payment").json()["id"]

    assert first_charge_id(3) == first_charge_id(3) != first_charge_id(4)
