"""Peak memory of a ``tasker worker`` process working through a database with many tasks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.throughput import HANDLERS, TEMPLATES


def worker_peak_rss_mb(path: Path, concurrency: int = 32) -> float:
    """Run one worker until idle over ``path``; its peak resident set size in MB."""
    cmd = [
        str(Path(sys.executable).with_name("tasker")), "--db", str(path),
        "--templates", str(TEMPLATES), "--handlers", str(HANDLERS),
        "worker", "--until-idle", "--quiet", "--concurrency", str(concurrency),
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return usage.ru_maxrss / 1024  # kilobytes on Linux
