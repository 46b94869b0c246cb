"""Worker processes as separate hosts would run them, on a database of either backend."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from engine.api import open_engine
from tests.backends import rows

DATA = Path(__file__).parent / "data"
HANDLERS = DATA / "relay_handlers.py"


def worker(db: str | Path, worker_id: str, env: dict[str, str], *extra: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "engine", "--db", str(db), "--templates", str(DATA),
        "--handlers", str(HANDLERS), "worker", "--worker-id", worker_id, "--quiet", *extra,
    ]  # fmt: skip
    return subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.PIPE)


def stop(proc: subprocess.Popen) -> str:
    """Stop a worker as an operator would (SIGTERM, then SIGKILL); what it said on stderr."""
    if proc.poll() is None:
        proc.terminate()
    err: bytes
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err.decode()


def create_tasks(db: str | Path, contexts: list[dict]) -> list[str]:
    async def create() -> list[str]:
        async with open_engine(db, templates=[DATA]) as engine:
            made = [await engine.create_task("relay_chain", "testing", c) for c in contexts]
        return [m.task["task_uuid"] for m in made]

    return asyncio.run(create())


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


def value(db: str | Path, sql: str) -> object:
    return rows(db, sql)[0][0]
