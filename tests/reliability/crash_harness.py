"""Seeded checkout orders run by ``tasker worker`` processes killed with SIGKILL at random
instants, restarted, and finally run to the end; then everything that must hold is checked.

The orders come from the demo's mix (``demo.mix.build_order_mix``): each scenario says how its
task must end and how many charges the gateway may hold for it. The gateway simulator runs on
loopback in this process and keeps the charge ledger. The template is the shipped checkout
with more attempts per step, so the attempts a kill costs never change how an order ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from tasker_workflows.demo.gateway import PaymentGateway
from tasker_workflows.demo.gateway_state import Charge
from tasker_workflows.demo.mix import BLOCKED, COMPLETE, OrderScenario, build_order_mix
from tasker_workflows.outbox import Outbox

from engine.api import open_engine
from engine.shipped import TEMPLATES_DIR
from tests.reliability.support import (
    DATA,
    illegal_paths,
    rows,
    runs,
    store_integrity,
    tasker,
    unwelcome_lines,
)

PATIENT_VERSION = "1.0.0-patient"
ATTEMPTS = 6  # per step: room for the attempts kills cost on top of the scenario's own
GATEWAY_TIMEOUT_S = 0.5
LEASE_SECONDS = "1"
LOST = "worker_lost"
RECORDER = DATA / "recording_checkout.py"


@dataclass
class CrashRun:
    """What a harness run did and what it left behind."""

    db: str | Path  # a SQLite file, or a PostgreSQL URL
    runlog: Path
    outbox: Path
    scenarios: dict[str, OrderScenario]  # by task uuid
    charges: list[Charge] = field(default_factory=list)
    kills: int = 0
    stderr: list[str] = field(default_factory=list)
    final_returncode: int | None = None


def write_patient_template(folder: Path) -> None:
    """The shipped checkout as version 1.0.0-patient: ATTEMPTS attempts for every step."""
    document = yaml.safe_load((TEMPLATES_DIR / "ecommerce" / "order_processing.yaml").read_text())
    document["version"] = PATIENT_VERSION
    for step in document["steps"]:
        step["retry"]["max_attempts"] = ATTEMPTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "order_processing_patient.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def create_orders(
    db: str | Path, folder: Path, orders: list[OrderScenario]
) -> dict[str, OrderScenario]:
    async def create() -> dict[str, OrderScenario]:
        made = {}
        async with open_engine(db, templates=[folder]) as engine:
            for order in orders:
                created = await engine.create_task(
                    order.name, order.namespace, order.context, version=PATIENT_VERSION
                )
                made[created.task["task_uuid"]] = order
        return made

    return asyncio.run(create())


def unsettled(db: str | Path) -> int:
    return int(
        rows(db, "SELECT COUNT(*) FROM tasks WHERE status NOT IN (?, ?)", (COMPLETE, BLOCKED))[0][0]
    )


def _wait_for_new_run(runlog: Path, seen: int, proc: subprocess.Popen, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if len(runs(runlog)) > seen:
            return True
        time.sleep(0.02)
    return False


def run_with_kills(
    db: str | Path, tmp: Path, *, orders: int, kills: int, seed: int, step_sleep_s: float
) -> CrashRun:
    """Create the orders in ``db`` (a SQLite file or a PostgreSQL URL, which the workers get
    as ``--db``), kill ``kills`` workers mid-run, then finish with ``--until-idle``."""
    folder = tmp / "templates"
    write_patient_template(folder)
    mix = build_order_mix(orders, seed, gateway_timeout_s=GATEWAY_TIMEOUT_S)
    run = CrashRun(db, tmp / "runs.log", tmp / "outbox.db", create_orders(db, folder, mix))
    rng = random.Random(seed)
    with PaymentGateway(seed=seed) as gateway:
        for order in mix:
            gateway.set_faults(order.token, order.faults)
        env = {
            "TASKER_DEMO_GATEWAY_URL": gateway.url,
            "TASKER_DEMO_GATEWAY_TIMEOUT": str(GATEWAY_TIMEOUT_S),
            "TASKER_DEMO_OUTBOX": str(run.outbox),
            "TASKER_RELIABILITY_RUNLOG": str(run.runlog),
            "TASKER_RELIABILITY_STEP_SLEEP": str(step_sleep_s),
        }
        worker = tasker(
            db, "worker", "--concurrency", "4", "--lease-seconds", LEASE_SECONDS, "--quiet",
            templates=[folder], handlers=[str(RECORDER)],
        )  # fmt: skip
        while run.kills < kills and unsettled(db):
            seen = len(runs(run.runlog))
            proc, err_path = _start(worker, env, tmp / f"worker-{run.kills}.err")
            if _wait_for_new_run(run.runlog, seen, proc, timeout_s=60):
                time.sleep(rng.uniform(0.0, 0.8))  # somewhere in the middle of steps
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            run.kills += 1
            run.stderr.append(err_path.read_text())
        proc, err_path = _start([*worker, "--until-idle"], env, tmp / "worker-final.err")
        run.final_returncode = proc.wait(timeout=600)
        run.stderr.append(err_path.read_text())
        gateway.wait_idle(timeout=10 * GATEWAY_TIMEOUT_S)  # held requests of killed workers
        run.charges = gateway.ledger()
    return run


def _start(command: list[str], env: dict[str, str], err: Path) -> tuple[subprocess.Popen, Path]:
    with err.open("w") as stderr:
        proc = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=stderr
        )
    return proc, err


# -- what must hold ---------------------------------------------------------------------------


def outcome_problems(run: CrashRun) -> list[str]:
    """Tasks that did not end as their scenario intends, and any order charged twice."""
    problems = []
    status = dict(rows(run.db, "SELECT task_uuid, status FROM tasks"))
    payment_error = {
        task: json.loads(error)["error_code"] if error else None
        for task, error in rows(
            run.db, "SELECT task_uuid, error FROM steps WHERE name = 'process_payment'"
        )
    }
    charges = defaultdict(list)
    for charge in run.charges:
        charges[charge.token].append(charge)
    confirmations = Counter(m.message_key.split(":")[0] for m in Outbox(run.outbox).messages())
    for task, order in run.scenarios.items():
        where = f"order {order.index} ({order.kind}, task {task[-8:]})"
        if status[task] != order.expected_status:
            problems.append(f"{where}: ended {status[task]}, intended {order.expected_status}")
        taken = charges[order.token]
        if len(taken) != order.expected_charges:
            problems.append(f"{where}: {len(taken)} charges, intended {order.expected_charges}")
        if any(c.amount_cents != order.expected_amount_cents for c in taken):
            problems.append(f"{where}: charged {[c.amount_cents for c in taken]} cents")
        if order.expected_status == BLOCKED and payment_error[task] not in (
            order.expected_error_code,
            LOST,  # the last attempt allowed was the one a kill took
        ):
            problems.append(f"{where}: payment failed with {payment_error[task]}")
        wanted = 1 if order.expected_status == COMPLETE else 0
        if confirmations[task] != wanted:
            problems.append(f"{where}: {confirmations[task]} confirmation e-mails")
    return problems


def run_problems(run: CrashRun) -> list[str]:
    """Attempts that ran twice, runs after a committed completion, runs nobody claimed."""
    recorded = runs(run.runlog)
    problems = [f"attempt ran {n} times: {r}" for r, n in Counter(recorded).items() if n > 1]
    claimed = {
        (task, step, attempt)
        for task, step, attempt in rows(
            run.db,
            "SELECT task_uuid, step_name, attempt FROM step_transitions"
            " WHERE to_state = 'in_progress'",
        )
    }
    completed_at = {
        (task, step): attempt
        for task, step, attempt in rows(
            run.db,
            "SELECT task_uuid, step_name, attempt FROM step_transitions WHERE to_state = 'complete'",
        )
    }
    for task, step, attempt in recorded:
        if (task, step, attempt) not in claimed:
            problems.append(f"{task[-8:]}/{step} attempt {attempt} ran without a claim")
        done = completed_at.get((task, step))
        if done is not None and attempt > done:
            problems.append(f"{task[-8:]}/{step} ran attempt {attempt} after completing at {done}")
    ran = set(recorded)
    for (task, step), attempt in completed_at.items():
        if (task, step, attempt) not in ran:
            problems.append(f"{task[-8:]}/{step} completed at attempt {attempt}, which never ran")
    return problems


def store_problems(run: CrashRun) -> list[str]:
    verdict = store_integrity(run.db)  # PRAGMA integrity_check; nothing on PostgreSQL (see there)
    problems = [] if verdict == "ok" else [f"integrity_check: {verdict}"]
    problems += illegal_paths(run.db)
    if run.final_returncode != 0:
        problems.append(f"the last worker exited {run.final_returncode}")
    problems += [line for text in run.stderr for line in unwelcome_lines(text)]
    return problems


def lost_attempts(db: str | Path) -> int:
    """Attempts a kill interrupted (the lease brought them back as worker_lost)."""
    return int(
        rows(db, "SELECT COUNT(*) FROM step_transitions WHERE metadata LIKE ?", (f"%{LOST}%",))[0][
            0
        ]
    )
