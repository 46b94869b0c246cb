"""process_payment's HTTP client against the real loopback gateway: classification and the
double-charge story."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from tasker_workflows.demo.gateway import PaymentGateway
from tasker_workflows.ecommerce.payments import (
    GATEWAY_TIMEOUT_ENV,
    GATEWAY_URL_ENV,
    GatewaySettings,
    charge_card,
    gateway_settings,
    payment_idempotency_key,
)
from tasker_workflows.errors import BusinessRuleError, TransientError, WorkflowError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOTAL = Decimal("74.77")


@pytest.fixture
def gateway():
    with PaymentGateway(seed=1) as running:
        yield running
    assert running.server_errors() == []


@pytest.fixture
def http():
    with httpx.Client(limits=httpx.Limits(max_connections=64)) as client:
        yield client


def _pay(http, gateway, token="tok_visa", key="task-1:process_payment", timeout=5.0):
    settings = GatewaySettings(url=gateway.url, timeout_s=timeout)
    return charge_card(http.post, settings, token=token, amount=TOTAL, idempotency_key=key, now=NOW)


def _failure(http, gateway, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        _pay(http, gateway, **kwargs)
    return caught.value


def test_a_charge_becomes_the_payment_result(http, gateway):
    result = _pay(http, gateway)
    (charge,) = gateway.ledger()
    assert result.payment_id == charge.id
    assert result.amount_charged == 74.77 and charge.amount_cents == 7477
    assert (result.status, result.currency, result.gateway) == ("completed", "USD", "http")
    assert result.idempotency_key == "task-1:process_payment"


@pytest.mark.parametrize(
    ("fault", "kind", "code"),
    [
        ({"kind": "decline"}, BusinessRuleError, "PAYMENT_DECLINED"),
        ({"kind": "insufficient_funds"}, BusinessRuleError, "INSUFFICIENT_FUNDS"),
        ({"kind": "server_error", "status": 500}, TransientError, "GATEWAY_ERROR"),
        ({"kind": "server_error", "status": 503}, TransientError, "GATEWAY_ERROR"),
        ({"kind": "timeout", "delay_s": 0}, TransientError, "GATEWAY_TIMEOUT"),
        ({"kind": "rate_limit", "retry_after_s": 3}, TransientError, "RATE_LIMITED"),
    ],
)
def test_gateway_answers_are_classified(http, gateway, fault, kind, code):
    gateway.set_faults("tok_visa", [fault])
    error = _failure(http, gateway)
    assert type(error) is kind and error.code == code
    assert gateway.ledger() == []


def test_retry_after_becomes_the_retry_delay(http, gateway):
    gateway.set_faults("tok_visa", [{"kind": "rate_limit", "retry_after_s": 3}])
    assert _failure(http, gateway).retry_after == 3.0


def test_the_test_tokens_keep_their_meaning_through_the_gateway(http, gateway):
    assert _failure(http, gateway, token="tok_test_declined").code == "PAYMENT_DECLINED"
    assert _failure(http, gateway, token="tok_test_gateway_error").code == "GATEWAY_ERROR"
    assert _failure(http, gateway, token="tok_test_timeout", timeout=0.1).code == "GATEWAY_TIMEOUT"
    assert _pay(http, gateway, token=None).amount_charged == 74.77  # blank means success


def test_no_answer_in_time_is_a_retryable_timeout(http, gateway):
    gateway.set_faults("tok_visa", [{"kind": "slow"}])
    error = _failure(http, gateway, timeout=0.1)
    assert isinstance(error, TransientError) and error.code == "GATEWAY_TIMEOUT"
    assert "idempotency key" in error.message


def test_an_unreachable_gateway_is_retryable(http):
    stopped = PaymentGateway().start()
    stopped_url = stopped.url
    stopped.stop()
    settings = GatewaySettings(url=stopped_url, timeout_s=1.0)
    with pytest.raises(TransientError) as caught:
        charge_card(http.post, settings, token=None, amount=TOTAL, idempotency_key="k", now=NOW)
    assert caught.value.code == "GATEWAY_UNREACHABLE"


def test_a_reused_key_for_another_amount_is_permanent(http, gateway):
    _pay(http, gateway)
    settings = GatewaySettings(url=gateway.url, timeout_s=5)
    with pytest.raises(BusinessRuleError) as caught:
        charge_card(
            http.post,
            settings,
            token="tok_visa",
            amount=Decimal("1.00"),
            idempotency_key="task-1:process_payment",
            now=NOW,
        )
    assert caught.value.code == "IDEMPOTENCY_CONFLICT"


def _mock_post(status, body=None, headers=None, content=None):
    def answer(request):
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    return client


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [
        (400, BusinessRuleError, "GATEWAY_REJECTED"),
        (404, BusinessRuleError, "GATEWAY_REJECTED"),
        (408, TransientError, "GATEWAY_TIMEOUT"),
        (502, TransientError, "GATEWAY_ERROR"),
    ],
)
def test_other_statuses(status, kind, code):
    with _mock_post(status, {"error": {"code": "x", "message": "nope"}}) as client:
        with pytest.raises(kind) as caught:
            charge_card(
                client.post,
                GatewaySettings("http://gw", 1),
                token=None,
                amount=TOTAL,
                idempotency_key="k",
                now=NOW,
            )
    assert caught.value.code == code
    assert f"HTTP {status} from the payment gateway: nope" in caught.value.message


def test_retry_after_as_an_http_date():
    headers = {"Retry-After": "Mon, 02 Mar 2026 12:00:30 GMT"}
    with _mock_post(503, {}, headers) as client, pytest.raises(TransientError) as caught:
        charge_card(
            client.post,
            GatewaySettings("http://gw", 1),
            token=None,
            amount=TOTAL,
            idempotency_key="k",
            now=NOW,
        )
    assert caught.value.retry_after == 30.0


def test_an_unreadable_success_is_retried_not_trusted():
    with (
        _mock_post(200, content=b"<html>ok</html>") as client,
        pytest.raises(TransientError) as caught,
    ):
        charge_card(
            client.post,
            GatewaySettings("http://gw", 1),
            token=None,
            amount=TOTAL,
            idempotency_key="k",
            now=NOW,
        )
    assert caught.value.code == "GATEWAY_BAD_RESPONSE"


def test_settings_come_from_environment_then_step_config(monkeypatch):
    monkeypatch.delenv(GATEWAY_URL_ENV, raising=False)
    monkeypatch.delenv(GATEWAY_TIMEOUT_ENV, raising=False)
    assert gateway_settings({}) == GatewaySettings(url=None, timeout_s=5.0)
    assert gateway_settings({"base_url": "http://cfg/", "timeout": 2}) == GatewaySettings(
        "http://cfg", 2.0
    )
    monkeypatch.setenv(GATEWAY_URL_ENV, "http://env")
    monkeypatch.setenv(GATEWAY_TIMEOUT_ENV, "0.5")
    assert gateway_settings({"base_url": "http://cfg", "timeout": 2}) == GatewaySettings(
        "http://env", 0.5
    )


@pytest.mark.parametrize("bad", ["soon", "-1", "0"])
def test_a_bad_timeout_setting_is_a_permanent_configuration_error(monkeypatch, bad):
    monkeypatch.setenv(GATEWAY_TIMEOUT_ENV, bad)
    with pytest.raises(BusinessRuleError, match="not a positive number") as caught:
        gateway_settings({})
    assert caught.value.code == "GATEWAY_MISCONFIGURED"


# --- the double-charge story -----------------------------------------------------------------


FIRST_ATTEMPT_TIMEOUT_S = 0.2  # the held answer never comes, so any timeout ends it
RETRY_TIMEOUT_S = 10.0  # an answer the gateway gives at once, even on a loaded machine


def _attempts_until_paid(http, gateway, task_uuid, key_for_attempt, max_attempts=2):
    """Run the payment step the way the engine retries it; returns the attempts' outcomes.

    The first attempt meets a post-charge stall: its answer is held until the gateway stops,
    so it times out however fast the machine is. The retry goes out once the gateway has
    taken that charge (the engine's backoff stands between two attempts; here the wait is
    explicit, so a retry can never overtake the request it repeats) and waits long enough
    that only a gateway fault, not a busy CPU, could make it time out.
    """
    outcomes = []
    for attempt in range(1, max_attempts + 1):
        key = key_for_attempt(task_uuid, attempt)
        timeout = FIRST_ATTEMPT_TIMEOUT_S if attempt == 1 else RETRY_TIMEOUT_S
        try:
            paid = _pay(http, gateway, token=f"tok_{task_uuid}", key=key, timeout=timeout)
        except TransientError as exc:
            outcomes.append(exc.code)
            assert gateway.wait_for_charge(key, timeout=RETRY_TIMEOUT_S) is not None
            continue
        outcomes.append(paid.payment_id)
        break
    return outcomes


def test_hundreds_of_post_charge_timeouts_take_exactly_one_charge_per_order(http, gateway):
    tasks = [f"task-{n:04d}" for n in range(300)]
    for task in tasks:
        gateway.set_faults(f"tok_{task}", [{"kind": "stall_after_charge", "times": 1}])
    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(
            pool.map(
                lambda task: _attempts_until_paid(
                    http, gateway, task, lambda t, _a: payment_idempotency_key(t)
                ),
                tasks,
            )
        )
    assert all(o[0] == "GATEWAY_TIMEOUT" and o[1].startswith("pay_") for o in outcomes)
    ledger = gateway.ledger()
    assert len(ledger) == 300
    assert sorted(c.idempotency_key for c in ledger) == sorted(
        payment_idempotency_key(t) for t in tasks
    )
    assert {c.amount_cents for c in ledger} == {7477}
    assert {o[1] for o in outcomes} == {c.id for c in ledger}  # each order holds its own charge


def test_a_key_that_changes_per_attempt_would_double_charge(http, gateway):
    tasks = [f"task-{n}" for n in range(5)]
    for task in tasks:
        gateway.set_faults(f"tok_{task}", [{"kind": "stall_after_charge", "times": 1}])
    for task in tasks:
        _attempts_until_paid(http, gateway, task, lambda t, attempt: f"{t}:attempt-{attempt}")
    assert len(gateway.ledger()) == 10  # what the idempotency key exists to prevent
