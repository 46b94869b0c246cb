"""The handler of ``reliability/misbehaving``: returns (or raises) what ``context["do"]`` says.

``set``: results JSON cannot hold; ``huge``: 2 MB of results; ``nan``: a NaN; ``surrogate``:
text that is not Unicode; ``circular``: results that contain themselves; ``quote_secret``: a
permanent error whose message quotes the context's ``api_token``; ``typed``: checks the
context against a model (wrong types fail as validation_error).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tasker_core import PermanentError
from tasker_core.step_handler.functional import inputs, step_handler


class Order(BaseModel):
    quantity: int
    email: str


@step_handler("reliability_misbehaving")
def misbehaving(context: Any) -> Any:
    do = context.get_input("do")
    if do == "set":
        return {"ids": {1, 2, 3}}
    if do == "huge":
        return {"blob": "x" * 2_000_000}
    if do == "nan":
        return {"ratio": float("nan")}
    if do == "surrogate":
        return {"name": "\ud800"}
    if do == "circular":
        loop: dict[str, Any] = {}
        loop["self"] = loop
        return loop
    if do == "quote_secret":
        token = context.get_input("api_token")
        raise PermanentError(f"the vendor refused key {token}", error_code="vendor_refused")
    return {"done": do}


@step_handler("reliability_typed")
@inputs(Order)
def typed(inputs: Order, context: Any) -> dict[str, Any]:
    return {"quantity": inputs.quantity}
