"""The payment gateway simulator's memory: fault plans per token and the charge ledger.

No sockets here: ``gateway.py`` serves this over HTTP. Everything is guarded by one lock,
because the HTTP server answers each request on its own thread.

Which fault a charge request meets, in order: the token's own plan (``set_faults(token,
...)``), else the test-token rule (``tok_test_declined`` declines, ``tok_test_timeout_once``
times out on its first request only...), else the run's default
plan (``set_faults(None, ...)``, consumed separately for each token). A fault with
``times=N`` applies to the next N requests for that token; ``times=None`` to every one.

The ledger is keyed by the ``Idempotency-Key``: a key seen before returns its original charge
(``replayed``), so however often a client retries, one key takes at most one charge. With a
``LedgerFile`` the ledger and the request log also live on disk and survive a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..ecommerce.services import TokenRule, effective_token, token_rule
from ..ids import stable_hex
from .gateway_ledger import LedgerFile


class FaultKind(StrEnum):
    """What the gateway does to a charge request instead of (or around) charging."""

    DECLINE = "decline"  # 402 card_declined, nothing charged
    INSUFFICIENT_FUNDS = "insufficient_funds"  # 402 insufficient_funds, nothing charged
    SERVER_ERROR = "server_error"  # 5xx (``status``), nothing charged
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After ``retry_after_s``, nothing charged
    TIMEOUT = "timeout"  # held ``delay_s``, then 504; nothing charged
    SLOW = "slow"  # held ``delay_s``, then charged and answered normally
    STALL_AFTER_CHARGE = "stall_after_charge"  # charged at once, the answer held ``delay_s``


class Fault(BaseModel):
    """One entry of a fault plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FaultKind
    times: int | None = Field(default=None, ge=1)  # None: every request
    status: int = Field(default=503, ge=500, le=599)  # server_error only
    retry_after_s: float = Field(default=1.0, ge=0)  # rate_limit only
    delay_s: float = Field(default=30.0, ge=0)  # timeout, slow, stall_after_charge


TOKEN_FAULTS = {
    TokenRule.DECLINE: Fault(kind=FaultKind.DECLINE),
    TokenRule.INSUFFICIENT_FUNDS: Fault(kind=FaultKind.INSUFFICIENT_FUNDS),
    TokenRule.GATEWAY_ERROR: Fault(kind=FaultKind.SERVER_ERROR),
    TokenRule.TIMEOUT: Fault(kind=FaultKind.TIMEOUT),
    TokenRule.TIMEOUT_ONCE: Fault(kind=FaultKind.TIMEOUT, times=1),
}


@dataclass(frozen=True)
class Charge:
    """A charge the gateway took: one per idempotency key, ever."""

    id: str
    transaction_id: str
    authorization_code: str
    idempotency_key: str
    token: str
    amount_cents: int
    currency: str
    status: str
    created_at: str
    sequence: int  # 1 for the first charge of this gateway run, 2 for the next...
    requests: int  # how many requests carried this key (1 + replays)

    def to_json(self) -> dict[str, Any]:
        return {"object": "charge", **asdict(self)}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Charge:
        return cls(**{f.name: record[f.name] for f in fields(cls)})


class IdempotencyConflict(Exception):
    """The key was used before for a different charge (another amount or token)."""


@dataclass
class _Plan:
    faults: list[Fault]
    used: list[int]

    def take(self) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.times is None:
                return fault
            if self.used[index] < fault.times:
                self.used[index] += 1
                return fault
        return None


class GatewayState:
    """Fault plans, ledger and request log of one gateway run; deterministic given ``seed``.

    With ``ledger_file``, the charges and requests it holds are loaded first and every new
    one is appended to it."""

    def __init__(
        self,
        seed: int = 0,
        clock: Callable[[], datetime] | None = None,
        ledger_file: LedgerFile | None = None,
    ) -> None:
        self.seed = seed
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._charged = threading.Condition(self._lock)
        self._token_plans: dict[str, _Plan] = {}
        self._default: list[Fault] = []
        self._default_plans: dict[str, _Plan] = {}
        self._rule_plans: dict[str, _Plan] = {}  # by idempotency key
        self._charges: dict[str, Charge] = {}  # by idempotency key
        self._requests: list[dict[str, Any]] = []
        self._file = ledger_file
        if ledger_file is not None:
            charges, self._requests = ledger_file.read()
            self._charges = {key: Charge.from_record(c) for key, c in charges.items()}

    # -- faults ---------------------------------------------------------------------------

    def set_faults(self, token: str | None, faults: list[Fault], already_served: int = 0) -> None:
        """Replace the plan of ``token`` (or the run's default plan when ``token`` is None).

        ``already_served``: requests of this token that met the plan before (in an earlier
        run), so a resumed plan goes on where it stopped instead of starting over."""
        with self._lock:
            if token is None:
                self._default = list(faults)
                self._default_plans.clear()
            else:
                plan = _Plan(list(faults), [0] * len(faults))
                for _ in range(already_served):
                    plan.take()
                self._token_plans[token] = plan

    def clear_faults(self) -> None:
        with self._lock:
            self._token_plans.clear()
            self._default = []
            self._default_plans.clear()
            self._rule_plans.clear()

    def next_fault(self, token: str, idempotency_key: str = "") -> Fault | None:
        """The fault the next request for ``token`` meets (consuming one use of it).

        A test-token rule that applies ``times`` (``tok_test_timeout_once``) counts per
        idempotency key: each order's first request meets it, its retry does not."""
        with self._lock:
            plan = self._token_plans.get(token)
            if plan is not None:
                return plan.take()
            rule_fault = TOKEN_FAULTS.get(token_rule(token))
            if rule_fault is not None and rule_fault.times is not None:
                plan = self._rule_plans.setdefault(idempotency_key, _Plan([rule_fault], [0]))
                return plan.take()
            if rule_fault is not None:
                return rule_fault
            if not self._default:
                return None
            plan = self._default_plans.setdefault(
                token, _Plan(list(self._default), [0] * len(self._default))
            )
            return plan.take()

    # -- ledger -----------------------------------------------------------------------------

    def charge(
        self, *, idempotency_key: str, token: str, amount_cents: int, currency: str
    ) -> tuple[Charge, bool]:
        """The charge for this key, taking it if new; returns (charge, replayed)."""
        token = effective_token(token)
        with self._lock:
            existing = self._charges.get(idempotency_key)
            if existing is not None:
                if (existing.amount_cents, existing.token, existing.currency) != (
                    amount_cents,
                    token,
                    currency,
                ):
                    raise IdempotencyConflict(
                        f"idempotency key {idempotency_key!r} was used for "
                        f"{existing.amount_cents} {existing.currency} on {existing.token}"
                    )
                existing = replace(existing, requests=existing.requests + 1)
                self._store(existing)
                return existing, True
            created = Charge(
                id="pay_" + stable_hex(self.seed, "charge", idempotency_key, length=12),
                transaction_id="txn_" + stable_hex(self.seed, "txn", idempotency_key, length=16),
                authorization_code=stable_hex(self.seed, "auth", idempotency_key).upper(),
                idempotency_key=idempotency_key,
                token=token,
                amount_cents=amount_cents,
                currency=currency,
                status="succeeded",
                created_at=self._clock().isoformat(),
                sequence=len(self._charges) + 1,
                requests=1,
            )
            self._store(created)
            return created, False

    def _store(self, charge: Charge) -> None:
        self._charges[charge.idempotency_key] = charge
        if self._file is not None:
            self._file.append_charge(asdict(charge))
        self._charged.notify_all()

    def wait_for_charge(self, idempotency_key: str, timeout: float) -> Charge | None:
        """The charge for this key once it is taken, or None after ``timeout`` seconds."""
        with self._charged:
            self._charged.wait_for(lambda: idempotency_key in self._charges, timeout=timeout)
            return self._charges.get(idempotency_key)

    def charge_by_id(self, charge_id: str) -> Charge | None:
        with self._lock:
            return next((c for c in self._charges.values() if c.id == charge_id), None)

    def ledger(self) -> list[Charge]:
        """Every charge taken, in the order taken."""
        with self._lock:
            return sorted(self._charges.values(), key=lambda charge: charge.sequence)

    # -- request log ------------------------------------------------------------------------

    def record_request(self, **entry: Any) -> None:
        with self._lock:
            self._requests.append(entry)
            if self._file is not None:
                self._file.append_request(entry)

    def requests(self) -> list[dict[str, Any]]:
        """One entry per POST /charges: token, idempotency_key, fault, status."""
        with self._lock:
            return list(self._requests)
