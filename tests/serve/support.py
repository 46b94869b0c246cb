"""``tasker serve`` as a real process on a loopback port, and its answers checked against
Tasker's OpenAPI document (the response each operation declares for the status it gave)."""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from tests.external import REPOSITORY, TASKER_OPENAPI

STARTUP_S = 60.0  # a generous bound on the process start on a busy machine, not a timing check


@functools.cache
def document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        TASKER_OPENAPI.file("orchestration-openapi.json").read_text(encoding="utf-8")
    )
    return data


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    rooted = {**schema, "components": document()["components"]}
    return jsonschema.Draft202012Validator(
        rooted, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def check_component(body: Any, name: str) -> None:
    """``body`` is valid against the document's component ``name``."""
    _validator({"$ref": f"#/components/schemas/{name}"}).validate(body)


def check(response: httpx.Response, method: str, path: str) -> Any:
    """The response is one the document declares for ``method path`` at its status, and its
    body is valid against that response's schema; returns the body."""
    operation = document()["paths"][path][method.lower()]
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, (
        f"{method} {path} answered {response.status_code}, which the document does not "
        f"declare ({sorted(operation['responses'])}): {response.text[:300]}"
    )
    body = response.json()
    _validator(declared["content"]["application/json"]["schema"]).validate(body)
    return body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tasker_command(db: str | Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "engine", "--db", str(db), *args]


def run_tasker(db: str | Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        tasker_command(db, *args),
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPOSITORY,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def serving(db: str | Path, *options: str, log: Path) -> Iterator[str]:
    """``tasker serve`` on a free loopback port until the block ends; yields its base URL."""
    port = free_port()
    command = tasker_command(db, "serve", "--port", str(port), *options)
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPOSITORY)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"tasker serve exited {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)  # the port is not open yet: nothing to await but the process
    raise AssertionError(f"tasker serve did not answer within {STARTUP_S} s: {log.read_text()}")


def step_uuid(task: dict[str, Any], name: str) -> str:
    found: Sequence[str] = [s["workflow_step_uuid"] for s in task["steps"] if s["name"] == name]
    assert found, f"no step {name} in {[s['name'] for s in task['steps']]}"
    return found[0]
