"""Peak memory of a worker and of the console over a database with many tasks."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.throughput import worker_command


def console_peak_rss_mb(path: Path) -> float:
    """Open the console (headless) over ``path`` until its whole list is loaded; peak MB."""
    return _peak_rss_mb([sys.executable, "-m", "bench.console", "--first-screen", str(path)])


def worker_peak_rss_mb(path: Path, concurrency: int = 32) -> float:
    """Run one worker until idle over ``path``; its peak resident set size in MB."""
    return _peak_rss_mb(worker_command(path, concurrency))


def _peak_rss_mb(cmd: list[str], poll_s: float = 0.02) -> float:
    """Run ``cmd``; its own high-water resident set (VmHWM) in MB, read from /proc while it runs.

    Not ``wait4``'s ru_maxrss: a forked child starts with its parent's high-water mark, so a
    small command run from a large bench process would report the bench's size.
    """
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: it cannot fill and block
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        status_file = Path(f"/proc/{proc.pid}/status")
        peak_kb = 0
        while proc.poll() is None:
            peak_kb = max(peak_kb, _vm_hwm_kb(status_file))
            time.sleep(poll_s)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[1:3]} failed: {stderr[-500:]}")
    return peak_kb / 1024


def _vm_hwm_kb(status_file: Path) -> int:
    try:
        for line in status_file.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass  # exited between poll() and the read
    return 0
