"""The gateway's ledger on disk: a restarted gateway remembers its charges and fault plans."""

from __future__ import annotations

import json

import httpx
import pytest
from tasker_workflows.demo.gateway import PaymentGateway
from tasker_workflows.demo.gateway_ledger import LedgerFile

CHARGE = {"amount_cents": 7477, "currency": "USD", "token": "tok_visa"}


def _charge(gateway, key, timeout=5.0):
    with httpx.Client(base_url=gateway.url, timeout=timeout) as client:
        return client.post("/charges", json=CHARGE, headers={"Idempotency-Key": key})


def test_a_restarted_gateway_replays_a_charge_taken_before_the_restart(tmp_path):
    ledger = tmp_path / "gateway.jsonl"
    with PaymentGateway(seed=3, ledger_path=ledger) as first:
        taken = _charge(first, "task-1:process_payment").json()
    with PaymentGateway(seed=3, ledger_path=ledger) as second:
        again = _charge(second, "task-1:process_payment")
        other = _charge(second, "task-2:process_payment")
        assert again.status_code == 200 and again.json()["id"] == taken["id"]
        assert other.status_code == 201
        assert [c.sequence for c in second.ledger()] == [1, 2]
        assert second.ledger()[0].requests == 2
    assert [r["idempotency_key"] for r in PaymentGateway(ledger_path=ledger).requests()] == [
        "task-1:process_payment",
        "task-1:process_payment",
        "task-2:process_payment",
    ]


def test_a_charge_taken_while_the_caller_timed_out_survives_the_restart(tmp_path):
    ledger = tmp_path / "gateway.jsonl"
    with PaymentGateway(ledger_path=ledger) as first:
        first.set_faults("tok_visa", [{"kind": "stall_after_charge", "times": 1}])
        with pytest.raises(httpx.ReadTimeout):
            _charge(first, "task-1:process_payment", timeout=0.2)
        lost = first.wait_for_charge("task-1:process_payment")
        assert lost is not None
    with PaymentGateway(ledger_path=ledger) as second:
        retry = _charge(second, "task-1:process_payment").json()
        assert retry["id"] == lost.id and retry["replayed"] is True
        assert len(second.ledger()) == 1


def test_a_resumed_fault_plan_goes_on_where_it_stopped(tmp_path):
    plan = [{"kind": "server_error", "times": 1}, {"kind": "decline", "times": 1}]
    with PaymentGateway() as gateway:
        gateway.set_faults("tok_visa", plan, already_served=1)
        assert _charge(gateway, "k1").status_code == 402  # the 503 was served before
        assert _charge(gateway, "k2").status_code == 201
        gateway.set_faults("tok_visa", plan)  # a fresh plan starts from the top
        assert _charge(gateway, "k3").status_code == 503


def test_a_torn_last_line_is_skipped(tmp_path):
    ledger = tmp_path / "gateway.jsonl"
    with PaymentGateway(ledger_path=ledger) as gateway:
        _charge(gateway, "k1")
    with ledger.open("a") as out:
        out.write('{"charge": {"idempotency_key": "k2", "tok')
    charges, requests = LedgerFile(ledger).read()
    assert list(charges) == ["k1"] and len(requests) == 1


def test_the_file_is_json_lines_and_reset_forgets_it(tmp_path):
    ledger = tmp_path / "gateway.jsonl"
    with PaymentGateway(ledger_path=ledger) as gateway:
        _charge(gateway, "k1")
    kinds = [next(iter(json.loads(line))) for line in ledger.read_text().splitlines()]
    assert kinds == ["request", "charge"]
    LedgerFile(ledger).reset()
    assert PaymentGateway(ledger_path=ledger).ledger() == []
