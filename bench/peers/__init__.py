"""Peers run side by side with our engine, each in bench/.venv-peers (kept out of our venv)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
VENV = HERE.parent / ".venv-peers"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = HERE / "requirements.txt"
STAMP = VENV / ".installed"


def ensure_venv() -> Path:
    """Create bench/.venv-peers and install the pinned peers once (re-done if the pins change)."""
    if STAMP.exists() and STAMP.read_text() == REQUIREMENTS.read_text():
        return PYTHON
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True
    )
    STAMP.write_text(REQUIREMENTS.read_text())
    return PYTHON


def run(
    script: str,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: int = 900,
) -> dict[str, Any]:
    """Run ``bench/peers/<script>`` in the peers' venv; its last stdout line is a JSON object."""
    proc = subprocess.run(
        [str(PYTHON), str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        raise RuntimeError(f"{script} {' '.join(args)} failed with exit code {proc.returncode}")
    found: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return found
