"""The step pane's attempt history: one row per attempt from the audit, operators' actions
between them, and a headline. Real engine, real SQLite file, the real app under Pilot."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Label

from console.showcase import Showcase
from engine.api import Engine
from tests.console.support import (
    SIZE,
    confirm_with_reason,
    console,
    detail_text,
    select_step,
    select_task,
    until,
)
from tests.console.test_operator_trust import toasts


def attempt_lines(text: str) -> list[str]:
    """The attempts table's lines of the pane's text (its header first)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "attempts")
    end = next(i for i, line in enumerate(lines) if line.strip() == "results")
    return [line for line in lines[start + 1 : end] if line.strip()]


async def test_a_retried_payment_shows_both_attempts_and_the_backoff_chosen(
    engine: Engine, showcase: Showcase
) -> None:
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, showcase.tasks["retried"])
        await select_step(pilot, "process_payment")
        shown = attempt_lines(detail_text(app))
        assert shown[0] == "complete at attempt 2/2 (2 attempts in all)"
        assert shown[1].split()[:5] == ["#", "started", "took", "worker", "outcome"]
        first, under = shown[2], shown[3]  # the message and the backoff's rule go under
        in_order = ["1 ", " ms ", "showcase-worker", "↻ waiting_for_retry",
                    "RETRYABLE GATEWAY_ERROR", "100 ms"]  # fmt: skip
        at = [first.index(part) for part in in_order]
        assert at == sorted(at) and first.startswith("1 ")
        assert "HTTP 503 from the payment gateway" in under
        assert under.rstrip().endswith("exponential 100 ms × 2^0")
        assert shown[-1].split()[0] == "2" and "showcase-worker  ✓ complete" in shown[-1]


async def test_a_reset_shows_between_the_attempts_and_in_the_headline(
    engine: Engine, showcase: Showcase
) -> None:
    declined = showcase.tasks["declined"]
    app = console(engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, declined)
        await select_step(pilot, "process_payment")
        await until(pilot, lambda: "failed for good at 1/2" in detail_text(app), "the headline")
        await confirm_with_reason(pilot, "r", "customer says the card works now")
        await engine.run_until_idle()  # declined again
        await until(
            pilot,
            lambda: (
                "failed for good at 2/3: PAYMENT_DECLINED (2 attempts in all; reset by erin"
                in detail_text(app)
            ),
            "the new headline",
        )
        assert detail_text(app).count("customer says the card works now") >= 2  # + transitions
        rows = [line.split()[:1] for line in attempt_lines(detail_text(app))[2:]]
        numbers = [r[0] for r in rows if r and r[0] in ("1", "2")]
        assert numbers == ["1", "2"]
        table = "\n".join(attempt_lines(detail_text(app))[2:])
        assert table.index("↺ reset") < table.index("\n2 ")


async def test_r_on_a_step_waiting_for_its_retry_runs_it_now(
    engine: Engine, showcase: Showcase
) -> None:
    waiting = showcase.tasks["waiting"]
    seen: list[Message] = []
    app = console(engine)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await select_task(pilot, waiting)
        await select_step(pilot, "process_payment")
        before = next(
            s for s in (await engine.get_task(waiting))["steps"] if s["name"] == "process_payment"
        )
        assert before["current_state"] == "waiting_for_retry"
        await pilot.press("r")
        await pilot.pause()
        title = app.screen.query_one(".dialog-title", Label).render()
        assert str(title) == f"Run step process_payment of task {waiting[-8:]} now?"
        await pilot.press("escape")
        await confirm_with_reason(pilot, "r", "customer on the phone")
        await until(
            pilot,
            lambda: any(t.startswith("step process_payment retried now") for t in toasts(seen)),
            "the action acknowledged",
        )
        audit = await engine.step_audit(waiting, "process_payment")
        last = audit[-1]
        assert (last["to_state"], last["by"], last["reason"]) == (
            "waiting_for_retry",
            "erin",
            "customer on the phone",
        )
        assert last["metadata"] == {"action": "retry_now", "was_due_at": before["next_retry_at"]}
        await until(
            pilot,
            lambda: "retried now by erin" in detail_text(app) and "↺ retry now" in detail_text(app),
            "the history naming the retry now",
        )
        await engine.run_until_idle()
        announced = "process_payment: attempt 2 → "
        await until(
            pilot, lambda: any(t.startswith(announced) for t in toasts(seen)), "the attempt's end"
        )
