"""A handler whose behaviour per step and attempt is scripted by the task's context.

context["script"][step_name] is a list of outcomes, one per attempt: "ok", "retry",
"permanent", "leak" (permanent, its message quoting the context's payment_token),
"crash" (a plain exception), "slow" (sleeps past any timeout), or
"fixed_by:<path>" (permanent until the file <path> exists). Past the list's end: "ok".
"""

from __future__ import annotations

import asyncio
import os

from tasker_core import PermanentError, RetryableError
from tasker_core.step_handler.functional import step_handler


@step_handler("testing_scripted")
async def scripted(context):
    script = (context.get_input("script") or {}).get(context.step_name, [])
    attempt = context.retry_count
    action = script[attempt] if attempt < len(script) else "ok"
    if action == "retry":
        raise RetryableError("gateway timeout", error_code="gateway_timeout")
    if action == "permanent":
        raise PermanentError("card declined", error_code="card_declined")
    if action == "leak":
        token = context.get_input("payment_token")
        raise PermanentError(f"token {token} declined", error_code="card_declined")
    if action == "crash":
        raise RuntimeError("unexpected None")
    if action == "slow":
        await asyncio.sleep(3600)
    if action.startswith("fixed_by:") and not os.path.exists(action.split(":", 1)[1]):
        raise PermanentError("configuration missing", error_code="not_configured")
    return {"step": context.step_name, "attempt": attempt + 1}
