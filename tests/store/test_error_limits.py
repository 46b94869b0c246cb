"""A failed attempt's error is stored capped and as strict JSON, on every backend: a 20 MB
message costs kilobytes, NaN in its metadata is text, and the task reads back whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine import lifecycle, retry
from engine.error_limits import MAX_ERROR_MESSAGE_BYTES, MAX_ERROR_METADATA_BYTES
from engine.outcomes import ErrorType, Outcome, StepError
from engine.store import Store
from engine.store.base import AttemptResult
from tests.backends import rows
from tests.store.support import T0, plan

MB = 1_000_000


def strict(text: str) -> Any:
    """JSON as a strict reader takes it: NaN and Infinity are refused."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


async def fail_once(store: Store, error: StepError) -> str:
    made = plan({"only": ()})
    await store.create_task(made, T0)
    [claimed] = await store.claim_ready("w", T0, 1, 1000)
    policy = retry.RetryPolicy.from_json(claimed.retry_policy)
    decision = lifecycle.decide(claimed.attempts, Outcome.failure(error), policy, T0 + 1)
    stored, _, _ = await store.finish_attempts(
        [AttemptResult(claimed.step_uuid, claimed.run_count, decision)], T0 + 1, "w"
    )
    assert stored == [True]
    return made.task_uuid


async def test_an_enormous_error_is_stored_capped_with_a_marker(
    db: str | Path, store: Store
) -> None:
    error = StepError(
        ErrorType.HANDLER_ERROR,
        "x" * (20 * MB),
        retryable=True,
        error_code="c" * MB,
        traceback="Traceback (most recent call last):\n" + "  frame\n" * MB + "KeyError: 'k'\n",
        metadata={"blob": "b" * (5 * MB), "rows": list(range(200_000)), "ratio": float("nan")},
    )
    task_uuid = await fail_once(store, error)

    [(stored_error,)] = rows(db, "SELECT error FROM steps")
    assert len(stored_error.encode()) < 150_000  # message, code, traceback and metadata capped
    kept = strict(stored_error)
    assert len(kept["message"].encode()) <= MAX_ERROR_MESSAGE_BYTES
    assert kept["message"].startswith("xxx") and kept["message"].endswith(" bytes")
    assert "… truncated " in kept["message"] and "… truncated " in kept["error_code"]
    assert kept["traceback"].startswith("Traceback") and kept["traceback"].endswith("'k'\n")
    assert len(json.dumps(kept["metadata"]).encode()) <= MAX_ERROR_METADATA_BYTES

    audit = rows(db, "SELECT metadata FROM step_transitions WHERE metadata IS NOT NULL")
    assert all(len(text.encode()) < 20_000 for (text,) in audit)
    [step] = (await store.get_task(task_uuid))["steps"]
    assert step["error"]["message"] == kept["message"]


async def test_nan_and_infinity_in_error_metadata_are_stored_as_text(
    db: str | Path, store: Store
) -> None:
    error = StepError(
        ErrorType.PERMANENT_ERROR,
        "the ratio is not a number",
        retryable=False,
        metadata={"ratio": float("nan"), "limits": [float("inf"), float("-inf")], "n": 1.5},
    )
    task_uuid = await fail_once(store, error)
    [(stored_error,)] = rows(db, "SELECT error FROM steps")
    assert strict(stored_error)["metadata"] == {
        "ratio": "NaN",
        "limits": ["Infinity", "-Infinity"],
        "n": 1.5,
    }
    [step] = (await store.get_task(task_uuid))["steps"]
    assert step["error"]["message"] == "the ratio is not a number"
