from __future__ import annotations

import threading

from tasker_workflows.outbox import DEFAULT_OUTBOX, OUTBOX_ENV, Outbox, outbox_path


def _deliver(outbox, key, recipient="a@example.com"):
    return outbox.deliver(
        message_key=key,
        workflow="w",
        channel="email",
        recipient=recipient,
        subject="s",
        body="b",
        template="t",
        created_at="2026-01-01T00:00:00+00:00",
    )


def test_path_prefers_environment_then_step_config(monkeypatch, tmp_path):
    monkeypatch.delenv(OUTBOX_ENV, raising=False)
    assert outbox_path({}).name == DEFAULT_OUTBOX
    assert outbox_path({"outbox_path": str(tmp_path / "cfg.db")}) == tmp_path / "cfg.db"
    monkeypatch.setenv(OUTBOX_ENV, str(tmp_path / "env.db"))
    assert outbox_path({"outbox_path": str(tmp_path / "cfg.db")}) == tmp_path / "env.db"


def test_a_message_key_is_delivered_once(tmp_path):
    outbox = Outbox(tmp_path / "nested" / "outbox.db")
    first, was_first = _deliver(outbox, "task-1:send")
    again, again_first = _deliver(outbox, "task-1:send", recipient="other@example.com")
    assert (was_first, again_first) == (True, False)
    assert again == first  # the stored message, not the second request
    assert [m.message_key for m in outbox.messages()] == ["task-1:send"]


def test_missing_outbox_reads_as_empty(tmp_path):
    assert Outbox(tmp_path / "none.db").messages() == []
    assert not (tmp_path / "none.db").exists()


def test_concurrent_deliveries_from_threads_all_land(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    keys = [f"task-{i}:send" for i in range(40)]
    threads = [threading.Thread(target=_deliver, args=(outbox, key)) for key in keys * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.message_key for m in outbox.messages()) == sorted(keys)
