"""Checkout workers killed with SIGKILL at random instants lose nothing and repeat nothing:
every order ends as its scenario intends, no step runs again after its completion was
committed, no order is charged twice, and the database and its audit trail stay sound; on
either backend (the PostgreSQL half is skipped when no server answers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import is_postgres
from tests.reliability.crash_harness import (
    lost_attempts,
    outcome_problems,
    run_problems,
    run_with_kills,
    store_problems,
)
from tests.reliability.support import runs


def check_crash_run(
    db: str | Path, tmp_path: Path, *, orders: int, kills: int, step_sleep_s: float
) -> None:
    run = run_with_kills(
        db, tmp_path, orders=orders, kills=kills, seed=7, step_sleep_s=step_sleep_s
    )
    assert run.kills == kills, f"work ran out after {run.kills} kills; give the run more orders"
    assert store_problems(run) == []
    assert run_problems(run) == []
    assert outcome_problems(run) == []
    lost = lost_attempts(run.db)
    assert lost >= 1, "no kill landed in the middle of a step; the run proved nothing"
    backend = "postgresql" if is_postgres(db) else "sqlite"
    print(
        f"\n{backend}: {orders} orders, {run.kills} kills, {lost} attempts interrupted mid-step, "
        f"{len(runs(run.runlog))} handler runs, 0 repeated, {len(run.charges)} charges, "
        "0 double charges"
    )


def test_a_few_kills_mid_checkout_lose_and_repeat_nothing(db: str | Path, tmp_path: Path) -> None:
    check_crash_run(db, tmp_path, orders=40, kills=4, step_sleep_s=0.05)


@pytest.mark.slow
def test_thirty_six_kills_over_four_hundred_checkouts(db: str | Path, tmp_path: Path) -> None:
    check_crash_run(db, tmp_path, orders=400, kills=36, step_sleep_s=0.08)
