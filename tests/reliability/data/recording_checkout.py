"""The shipped checkout handlers, each run recorded before it starts.

Every run appends ``task step attempt pid`` to $TASKER_RELIABILITY_RUNLOG and fsyncs it, so
the line survives a SIGKILL the next instant; then the step sleeps
$TASKER_RELIABILITY_STEP_SLEEP seconds (to widen the window a kill can land in) and runs the
shipped handler unchanged. Registered under the shipped names, which they replace.
"""

from __future__ import annotations

import inspect
import os
import time
from typing import Any

from tasker_workflows.ecommerce import handlers as shipped

from tasker_core import StepHandler
from tasker_core.registry import HandlerRegistry

RUNLOG_ENV = "TASKER_RELIABILITY_RUNLOG"
SLEEP_ENV = "TASKER_RELIABILITY_STEP_SLEEP"


def record(context: Any) -> None:
    line = f"{context.task_uuid} {context.step_name} {context.retry_count + 1} {os.getpid()}\n"
    fd = os.open(os.environ[RUNLOG_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    time.sleep(float(os.environ.get(SLEEP_ENV) or 0))


def recorded(handler_class: type[StepHandler]) -> type:
    """A subclass of a handler class whose ``call`` records the run first."""
    shipped_call = handler_class.call
    if inspect.iscoroutinefunction(shipped_call):

        async def call(self: Any, context: Any) -> Any:
            record(context)
            return await shipped_call(self, context)

    else:

        def call(self: Any, context: Any) -> Any:  # type: ignore[misc]
            record(context)
            return shipped_call(self, context)

    return type(handler_class.__name__, (handler_class,), {"call": call, "__module__": __name__})


def install() -> None:
    """Register the recording classes in place of the shipped ones.

    (Inside a function: a handler class left in the module's namespace would be registered
    again, under its shipped name, when the engine scans the module.)"""
    for function in (
        shipped.validate_cart,
        shipped.process_payment,
        shipped.update_inventory,
        shipped.create_order,
        shipped.send_confirmation,
    ):
        handler_class = function._handler_class  # type: ignore[attr-defined]
        HandlerRegistry.instance().register(handler_class.handler_name, recorded(handler_class))


install()
