"""``tasker serve`` with API keys: who may do what, secrets revealed only to a key allowed to see
them, manual actions audited with the key's name; no keys off loopback refused at start."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serve.support import check, run_tasker, serving, step_uuid, tasker_command
from tests.serve.test_contract import DECLINED, STEP, checkout

KEYS = {
    "rails": ("rails-app-key-0123456789", ["tasks:create", "tasks:read"]),
    "ops": ("ops-key-0123456789abcdef", ["tasks:*", "steps:*"]),
    "auditor": ("auditor-key-0123456789ab", ["*", "secrets:reveal"]),
}


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("keys")
    key_file = folder / "keys.json"
    entries = [{"name": n, "key": k, "permissions": p} for n, (k, p) in KEYS.items()]
    key_file.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    db = folder / "tasker.db"
    with serving(db, "--api-keys", str(key_file), log=folder / "serve.log") as base:
        yield base, db


def client(base: str, name: str | None = None, bearer: bool = False) -> httpx.Client:
    headers = {}
    if name is not None:
        key = KEYS[name][0]
        headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}
    return httpx.Client(base_url=base, headers=headers, timeout=60)


def test_keys_and_permissions(keyed: tuple[str, Path]) -> None:
    base, _ = keyed
    with client(base) as anonymous:
        answer = anonymous.post("/v1/tasks", json=checkout("auth-0"))
        assert answer.status_code == 401
        assert "X-API-Key" in check(answer, "POST", "/v1/tasks")["AuthenticationError"]["reason"]
        assert anonymous.get("/health").status_code == 200  # probes stay open
    with httpx.Client(base_url=base, headers={"X-API-Key": "x" * 20}) as stranger:
        assert stranger.get("/v1/tasks").status_code == 401
    with client(base, "rails") as rails:
        made = rails.post("/v1/tasks", json=checkout("auth-1"))
        task = check(made, "POST", "/v1/tasks")
        assert made.status_code == 201 and task["initiator"] == "rails"  # the key's name
        refused = rails.get("/v1/tasks")  # tasks:list is not granted
        assert refused.status_code == 403
        reason = check(refused, "GET", "/v1/tasks")["AuthorizationError"]["reason"]
        assert "'rails'" in reason and "tasks:list" in reason
        gone = rails.delete(f"/v1/tasks/{task['task_uuid']}")
        assert gone.status_code == 403 and check(gone, "DELETE", "/v1/tasks/{uuid}")
    with client(base, "ops", bearer=True) as ops:
        listing = check(ops.get("/v1/tasks"), "GET", "/v1/tasks")
        assert listing["pagination"]["total_count"] >= 1
        assert ops.get("/v1/templates").status_code == 403  # templates:* not granted


def test_secrets_show_only_to_a_revealing_key_and_actions_name_the_key(
    keyed: tuple[str, Path],
) -> None:
    base, db = keyed
    with client(base, "rails") as rails:
        task = check(rails.post("/v1/tasks", json=checkout("auth-2")), "POST", "/v1/tasks")
    assert task["context"]["payment_token"] != DECLINED
    run_tasker(db, "worker", "--until-idle", "--quiet")
    path = f"/v1/tasks/{task['task_uuid']}"
    with client(base, "ops") as ops:
        seen = ops.get(path).json()
        assert seen["status"] == "blocked_by_failures" and DECLINED not in json.dumps(seen)
        url = f"{path}/workflow_steps/{step_uuid(seen, 'process_payment')}"
        body = {"action_type": "resolve_manually", "reason": "paid by phone", "resolved_by": "kim"}
        assert (
            check(ops.patch(url, json=body), "PATCH", STEP)["current_state"] == "resolved_manually"
        )
        assert DECLINED not in ops.get(f"{url}/audit").text
    with client(base, "auditor") as auditor:
        revealed = auditor.get(path).json()
        assert revealed["context"]["payment_token"] == DECLINED
        audit = auditor.get(f"{url}/audit").json()
        assert (audit[0]["by"], audit[0]["reason"]) == ("kim via ops", "paid by phone")
        assert DECLINED in json.dumps(audit)  # the declined message quotes the token


def serve_refusal(tmp_path: Path, *options: str) -> str:
    """``tasker serve`` with options that cannot work: exit 2 and the one line it prints."""
    done = subprocess.run(
        tasker_command(tmp_path / "t.db", "serve", *options),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_serving_off_loopback_without_keys_or_with_a_bad_key_file_is_refused(
    tmp_path: Path,
) -> None:
    assert "--api-keys" in serve_refusal(tmp_path, "--host", "0.0.0.0")
    bad = tmp_path / "keys.json"
    bad.write_text('{"keys": [{"name": "x", "key": "short", "permissions": []}]}')
    assert "at least 16 characters" in serve_refusal(tmp_path, "--api-keys", str(bad))
    bad.write_text(
        '{"keys": [{"name": "x", "key": "0123456789abcdefgh", "permissions": ["tasks:rm"]}]}'
    )
    assert "unknown permission 'tasks:rm'" in serve_refusal(tmp_path, "--api-keys", str(bad))
    assert "cannot read" in serve_refusal(tmp_path, "--api-keys", str(tmp_path / "none.json"))
    assert "TCP port" in serve_refusal(tmp_path, "--port", "70000")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert "pick another" in serve_refusal(tmp_path, "--port", port)
