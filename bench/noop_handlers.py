"""The no-op handler the bench templates name, for ``tasker --handlers bench/noop_handlers.py``."""

from tasker_core.step_handler.functional import step_handler


@step_handler("bench_noop")
async def bench_noop(context):
    return {}
