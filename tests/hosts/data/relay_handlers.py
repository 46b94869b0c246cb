"""The handler of ``relay_chain``: records each run as ``task step attempt pid`` in
$TASKER_TEST_RUNLOG, holds every step until the file $TASKER_TEST_GATE exists (when set), and
hangs on the first attempt of the step named by the context's ``hang``."""

from __future__ import annotations

import os
import time

from tasker_core.step_handler.functional import step_handler


@step_handler("testing_relay")
def relay(context):
    log = os.environ.get("TASKER_TEST_RUNLOG")
    if log:
        with open(log, "a") as f:
            f.write(
                f"{context.task_uuid} {context.step_name} {context.retry_count + 1} {os.getpid()}\n"
            )
    gate = os.environ.get("TASKER_TEST_GATE")
    while gate and not os.path.exists(gate):
        time.sleep(0.01)
    if context.get_input("hang") == context.step_name and context.retry_count == 0:
        time.sleep(3600)  # until the worker is killed
    return {"step": context.step_name, "pid": os.getpid()}
