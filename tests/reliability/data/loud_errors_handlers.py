"""The handler of ``reliability/loud_errors``: fails as ``context["do"]`` says.

``huge_message``: a plain exception whose message is ``context["mb"]`` MB (its traceback
quotes it whole); ``huge_everything``: a ``PermanentError`` with an enormous message, code and
metadata; ``nan_metadata``: a ``PermanentError`` whose metadata holds NaN and Infinity.
"""

from __future__ import annotations

from typing import Any

from tasker_core import PermanentError
from tasker_core.step_handler.functional import step_handler

MB = 1_000_000


@step_handler("reliability_loud_errors")
def loud_errors(context: Any) -> Any:
    do = context.get_input("do")
    size = int(context.get_input("mb") or 1) * MB
    if do == "huge_message":
        raise RuntimeError("é" + "x" * size + " THE END")
    if do == "huge_everything":
        raise PermanentError(
            "m" * size,
            error_code="c" * 100_000,
            metadata={"blob": "b" * size, "rows": list(range(100_000)), "ratio": float("nan")},
        )
    if do == "nan_metadata":
        raise PermanentError(
            "the ratio is not a number",
            metadata={"ratio": float("nan"), "limit": float("inf"), "floor": float("-inf")},
        )
    return {"done": do}
