"""The handler of ``order_events``: scripted per step by the task's context, as
``tests/engine/data/scripted_handlers.py`` is ("ok", "retry", "permanent")."""

from __future__ import annotations

from tasker_core import PermanentError, RetryableError
from tasker_core.step_handler.functional import step_handler


@step_handler("events_test.scripted")
def scripted(context):
    script = (context.get_input("script") or {}).get(context.step_name, [])
    attempt = context.retry_count
    action = script[attempt] if attempt < len(script) else "ok"
    if action == "retry":
        raise RetryableError("gateway timeout", error_code="gateway_timeout")
    if action == "permanent":
        raise PermanentError("card declined", error_code="card_declined")
    return {"order_id": context.get_input("order_id"), "amount": 12.5, "step": context.step_name}
