"""The demo's order mix: deterministic, complete, and true to what the handlers do."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import yaml
from tasker_workflows.demo.gateway import PaymentGateway
from tasker_workflows.demo.gateway_state import Fault
from tasker_workflows.demo.mix import (
    KIND_DESCRIPTIONS,
    PAYMENT_MAX_ATTEMPTS,
    ScenarioKind,
    build_order_mix,
    kind_counts,
)
from tasker_workflows.ecommerce import services as svc
from tasker_workflows.ecommerce.payments import GATEWAY_TIMEOUT_ENV, GATEWAY_URL_ENV
from tasker_workflows.ecommerce.pricing import to_cents, to_money

from tests.workflows.local_runner import TEMPLATES, run_template

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_same_seed_gives_the_same_mix():
    assert build_order_mix(80, seed=1) == build_order_mix(80, seed=1)
    assert build_order_mix(80, seed=1) != build_order_mix(80, seed=2)


@pytest.mark.parametrize("orders", [50, 51, 99, 200, 1000])
def test_every_kind_appears_and_most_orders_succeed(orders):
    mix = build_order_mix(orders, seed=3)
    kinds = Counter(s.kind for s in mix)
    assert len(mix) == orders
    assert set(kinds) == set(ScenarioKind)
    assert kinds[ScenarioKind.SUCCESS] > orders / 2
    assert kinds == Counter(kind_counts(orders))


def test_small_mixes_still_add_up():
    for orders in range(1, 10):
        assert sum(kind_counts(orders).values()) == orders
        assert kind_counts(orders)[ScenarioKind.SUCCESS] >= 1


def test_zero_orders_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="orders must be at least 1, got 0"):
        build_order_mix(0, seed=1)


def test_each_order_has_its_own_token_and_a_valid_priced_cart():
    mix = build_order_mix(200, seed=9)
    assert len({s.token for s in mix}) == 200
    for scenario in mix:
        assert scenario.context["payment_token"] == scenario.token
        cart = svc.validate_cart(
            scenario.context["items"], scenario.context["customer_email"], now=NOW
        )
        assert to_cents(to_money(cart.total)) == scenario.expected_amount_cents
        assert svc.reserve_inventory(cart.validated_items, id_seed="t", now=NOW)
        for fault in scenario.faults:
            Fault.model_validate(fault)


def test_expectations_follow_the_kind():
    for s in build_order_mix(200, seed=4):
        paid = s.kind not in (ScenarioKind.DECLINED, ScenarioKind.RETRIES_EXHAUSTED)
        assert s.expected_status == ("complete" if paid else "blocked_by_failures")
        assert s.expected_charges == (1 if paid else 0)
        assert (s.expected_error_code is None) == paid
        assert s.expected_payment_attempts == (1 if s.kind in ("success", "declined") else 2)


def test_held_responses_outlast_the_payment_timeout():
    for s in build_order_mix(200, seed=5, gateway_timeout_s=0.5):
        for fault in s.faults:
            if fault["kind"] in ("timeout", "slow", "stall_after_charge"):
                assert fault["delay_s"] > 0.5


def test_the_mix_knows_the_templates_attempt_limit():
    template = yaml.safe_load((TEMPLATES / "ecommerce" / "order_processing.yaml").read_text())
    payment = next(s for s in template["steps"] if s["name"] == "process_payment")
    assert payment["retry"]["max_attempts"] == PAYMENT_MAX_ATTEMPTS


async def test_a_mix_run_through_the_handlers_ends_as_each_scenario_says(monkeypatch, outbox_file):
    mix = build_order_mix(24, seed=11, gateway_timeout_s=0.2)
    assert set(s.kind for s in mix) == set(ScenarioKind)
    with PaymentGateway(seed=11) as gateway:
        monkeypatch.setenv(GATEWAY_URL_ENV, gateway.url)
        monkeypatch.setenv(GATEWAY_TIMEOUT_ENV, "0.2")
        for s in mix:
            gateway.set_faults(s.token, s.faults)
        runs = [await run_template(s.namespace, s.name, s.context) for s in mix]
        assert gateway.wait_idle(timeout=5)
        charges = Counter(c.token for c in gateway.ledger())
        amounts = {c.token: c.amount_cents for c in gateway.ledger()}
    for s, run in zip(mix, runs, strict=True):
        payment = run.steps["process_payment"]
        assert run.status == s.expected_status, s
        assert payment.attempts == s.expected_payment_attempts, s
        assert charges[s.token] == s.expected_charges, s
        if s.expected_charges:
            assert amounts[s.token] == s.expected_amount_cents
        else:
            assert payment.error.error_code == s.expected_error_code, s


def test_runs_of_another_size_or_seed_never_share_a_card_token():
    tokens = [
        {s.token for s in build_order_mix(n, seed)} for n, seed in [(40, 1), (200, 1), (40, 2)]
    ]
    assert not (tokens[0] & tokens[1]) and not (tokens[0] & tokens[2])


def test_every_kind_is_described_for_the_summary():
    assert set(KIND_DESCRIPTIONS) == set(ScenarioKind)
