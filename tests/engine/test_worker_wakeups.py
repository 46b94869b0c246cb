"""A worker does not look for work it has just looked for: the write that stores a step's
result claims the steps it made ready, so finishing a step does not wake the claim loop."""

from __future__ import annotations

from engine.api import Engine
from tests.engine.support import CART


async def test_a_chain_is_claimed_by_its_result_writes_not_by_the_loop(engine: Engine) -> None:
    loop_claims: list[int] = []
    claim_ready = engine.store.claim_ready

    async def counted(*args, **kwargs):
        claimed = await claim_ready(*args, **kwargs)
        loop_claims.append(len(claimed))
        return claimed

    engine.store.claim_ready = counted  # type: ignore[method-assign]  # the worker loop's own claims (not the result writes')
    made = await engine.create_task("ecommerce_order_processing", "ecommerce", CART)
    await engine.run_until_idle()
    task = await engine.get_task(made.task["task_uuid"])
    assert task["status"] == "complete" and len(task["steps"]) == 5
    # The loop claimed the first step only; the four others came with the writes that stored
    # their predecessors' results, and the loop looked fewer times than there are steps (it
    # used to look again after every step; idle looks and a store's change notices remain).
    assert sum(loop_claims) == 1
    assert len(loop_claims) < 5
