from __future__ import annotations

import random

import pytest

from engine.retry import RetryPolicy, describe_delay, next_delay_ms, retry_eligible


@pytest.mark.parametrize(
    ("backoff", "base", "expected"),
    [
        ("exponential", 100, [100, 200, 400, 800]),
        ("exponential", 1000, [1000, 2000, 4000, 8000]),
        ("linear", 100, [100, 200, 300, 400]),
        ("fibonacci", 100, [100, 100, 200, 300, 500]),
        ("none", 100, [0, 0, 0]),
    ],
)
def test_sequences_from_the_docstring(backoff: str, base: int, expected: list[int]) -> None:
    policy = RetryPolicy(backoff=backoff, base_ms=base, max_attempts=10)
    assert [next_delay_ms(policy, n) for n in range(1, len(expected) + 1)] == expected


def test_delay_is_capped_by_max_backoff() -> None:
    policy = RetryPolicy(base_ms=1000, max_backoff_ms=5000)
    assert [next_delay_ms(policy, n) for n in (3, 4, 5, 60)] == [4000, 5000, 5000, 5000]


def test_retry_after_raises_the_delay_but_stays_capped() -> None:
    policy = RetryPolicy(base_ms=100, max_backoff_ms=30_000)
    assert next_delay_ms(policy, 1, retry_after_s=2) == 2000
    assert next_delay_ms(policy, 1, retry_after_s=0.05) == 100  # never lowers it
    assert next_delay_ms(policy, 1, retry_after_s=600) == 30_000


def test_jitter_is_seedable_and_bounded() -> None:
    policy = RetryPolicy(base_ms=1000, jitter=0.1)
    first = [next_delay_ms(policy, 1, rng=random.Random(7)) for _ in range(3)]
    again = [next_delay_ms(policy, 1, rng=random.Random(7)) for _ in range(3)]
    assert first == again
    spread = {next_delay_ms(policy, 1, rng=random.Random(seed)) for seed in range(50)}
    assert len(spread) > 1 and all(900 <= d <= 1100 for d in spread)


def test_describe_names_the_rule() -> None:
    policy = RetryPolicy(base_ms=100)
    assert describe_delay(policy, 2, None) == "exponential 100 ms × 2^1"
    assert describe_delay(policy, 2, 2) == "exponential 100 ms × 2^1, Retry-After 2 s"


def test_first_run_ignores_retryable() -> None:
    policy = RetryPolicy(retryable=False, max_attempts=3)
    assert retry_eligible(policy, 0)
    assert not retry_eligible(policy, 1)
    assert retry_eligible(RetryPolicy(max_attempts=3), 2)
    assert not retry_eligible(RetryPolicy(max_attempts=3), 3)
