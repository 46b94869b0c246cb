"""``make screenshots`` writes each documented screen, showing what its name promises."""

from __future__ import annotations

from pathlib import Path

from console.screenshots import SHOTS, main


def text_of(svg: str) -> str:
    return svg.replace("&#160;", " ")


def test_make_screenshots_writes_every_screen(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path)]) == 0
    written = {path.stem: text_of(path.read_text()) for path in tmp_path.glob("*.svg")}
    assert set(written) == {shot.name for shot in SHOTS}
    assert len(capsys.readouterr().out.splitlines()) == len(SHOTS)
    assert "tasks 12" in written["task-list"]
    assert "retry in 1.3s" in written["retry-countdown"]
    assert "Retry-After 2 s" in written["retry-countdown"]
    assert "PERMANENT PAYMENT_DECLINED" in written["blocked-task"]
    assert "New task" in written["new-task"]
    assert "Task states" in written["help"]
    failures = written["failures"]
    assert "3 outstanding in 3 groups" in failures and "PAYMENT_DECLINED" in failures
    assert "RATE_LIMITED" in failures and "Retry marked" in failures
    assert "tok_test_declined" not in failures, "sample messages stay masked"
    assert "complete at attempt 2/2 (2 attempts in all)" in written["attempt-history"]
    assert "RETRYABLE GATEWAY_ERROR" in written["attempt-history"]
    assert "grid · ecommerce/order_processing " in written["grid"]
    assert "✗2/6" in written["grid"], "process_payment failed in 2 of the 6 checkouts"
    small = written["small-terminal"]
    assert "Help" in small and "Quit" in small, "the footer keeps ? Help and q Quit"
    assert "─ steps ─" in small and " graph " in small and " tasks " not in small
    assert "tok_test_declined" not in written["blocked-task"], "secrets stay masked"
    impact = written["impact-preview"]
    assert "Cancel task" in impact and "stops: update_inventory, create_order" in impact
    assert "amount_charged $362.88," in impact and "cancelling does not refund it" in impact
