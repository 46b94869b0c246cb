"""The short texts of the console: states, times, retry timing, and masked secrets."""

from __future__ import annotations

import json

from console.formatting import (
    age_text,
    attempts_text,
    backoff_text,
    duration_text,
    error_class,
    progress_text,
    retry_countdown_text,
    short_uuid,
    step_look,
    task_look,
    task_state_text,
)
from console.masking import displayed, displayed_json

TASK_STATES = [
    "pending",
    "steps_in_process",
    "waiting_for_dependencies",
    "waiting_for_retry",
    "blocked_by_failures",
    "complete",
    "error",
    "cancelled",
    "resolved_manually",
]
STEP_STATES = [
    "pending",
    "in_progress",
    "waiting_for_retry",
    "complete",
    "error",
    "cancelled",
    "resolved_manually",
    "not_created",
]


def test_every_task_state_has_a_glyph_and_colour_and_failures_are_red():
    looks = {state: task_look(state) for state in TASK_STATES}
    assert all(glyph != "?" for glyph, _ in looks.values())
    assert "red" in looks["blocked_by_failures"][1]
    assert looks["complete"] == ("✓", "green")
    assert task_state_text("waiting_for_retry").plain == "↻ waiting_for_retry"


def test_every_step_state_has_a_distinct_glyph():
    glyphs = [step_look(state)[0] for state in STEP_STATES]
    assert len(set(glyphs)) == len(glyphs)
    assert step_look("not_created")[1] == "dim"


def test_short_uuid_tells_apart_tasks_created_in_the_same_millisecond():
    first = "019b76da-a800-7e63-8e65-65649d8e5def"
    second = "019b76da-a800-7b3c-a12b-23aec2b5a2dd"
    assert short_uuid(first) == "9d8e5def"
    assert short_uuid(first) != short_uuid(second)


def test_age_is_one_unit():
    now = 10_000_000
    assert age_text(now - 12_000, now) == "12s"
    assert age_text(now - 3 * 60_000 - 5_000, now) == "3m"
    assert age_text(now - 2 * 3_600_000, now) == "2h"
    assert age_text(now - 5 * 86_400_000, now) == "5d"
    assert age_text(now + 5_000, now) == "0s"


def test_durations_read_naturally():
    assert duration_text(850) == "850 ms"
    assert duration_text(3_240) == "3.2 s"
    assert duration_text(245_000) == "4m 05s"
    assert duration_text(7_380_000) == "2h 03m"
    assert duration_text(None) == ""


def test_progress_and_attempts():
    assert progress_text(3, 5) == "3/5"
    assert attempts_text(2, 3) == "2/3"


def test_retry_countdown_counts_down_then_says_due():
    assert retry_countdown_text(13_200, 10_000) == "retry in 3.2s"
    assert retry_countdown_text(10_000, 10_000) == "retry due"
    assert retry_countdown_text(None, 10_000) == ""
    assert retry_countdown_text(10_000 + 125_000, 10_000) == "retry in 2m 05s"


def test_backoff_explains_the_rule_that_produced_the_delay():
    retry = {"backoff": "exponential", "backoff_base_ms": 100, "max_backoff_ms": 5000}
    assert backoff_text(retry, attempts=2) == "exponential 100 ms × 2^1"
    assert backoff_text(retry, 2, retry_after_s=2) == "exponential 100 ms × 2^1, Retry-After 2 s"
    linear = {"backoff": "linear", "backoff_base_ms": 60_000, "max_backoff_ms": 300_000}
    assert backoff_text(linear, 1) == "linear 60000 ms × 1"
    assert "capped at 5000 ms" in backoff_text(retry, attempts=9)
    assert backoff_text(None, 1) == ""


def test_error_classes_are_the_four_operators_know():
    assert error_class({"error_type": "permanent_error"}) == "PERMANENT"
    assert error_class({"error_type": "validation_error"}) == "PERMANENT"
    assert error_class({"error_type": "retryable_error"}) == "RETRYABLE"
    assert error_class({"error_type": "handler_error"}) == "UNCLASSIFIED"
    assert error_class({"error_type": "handler_timeout"}) == "TIMEOUT"
    assert error_class(None) == ""


CONTEXT = {
    "order_id": "ord_1234",
    "payment": {"card_number": "4111111111111111", "API_Key": "sk_live_abcdef"},
    "items": [{"sku": "A1", "gift_token": "tok_visa_4242"}],
    "Authorization": "Bearer eyJhbGciOi",
    "password": "hunter2",
}


def test_sensitive_values_are_masked_at_any_depth_and_only_cards_keep_their_last_four():
    shown = displayed(CONTEXT)
    assert shown["order_id"] == "ord_1234"
    assert shown["payment"]["card_number"] == "••••1111"
    assert shown["payment"]["API_Key"] == "••••"
    assert shown["items"][0] == {"sku": "A1", "gift_token": "••••"}
    assert shown["Authorization"] == "••••"
    assert shown["password"] == "••••"
    assert "4111111111111111" not in displayed_json(CONTEXT)


def test_revealing_is_explicit_and_does_not_change_the_data():
    assert displayed(CONTEXT, reveal=True) == CONTEXT
    assert json.loads(displayed_json(CONTEXT, reveal=True)) == CONTEXT
    assert CONTEXT["password"] == "hunter2"
