"""What ``create_task`` hands back: the new task's uuid at once, its view when asked for."""

from __future__ import annotations

import json

import pytest

from engine.api import Engine
from engine.task_created import TaskCreated
from tests.engine.support import CART

ORDER = ("ecommerce_order_processing", "ecommerce")


async def test_a_new_task_s_view_is_the_one_read_back(engine: Engine) -> None:
    made = await engine.create_task(*ORDER, CART)
    assert made.created and made.task_uuid == made.task["task_uuid"]
    assert made.task == await engine.get_task(made.task_uuid)


async def test_the_view_shows_the_context_as_stored_not_as_changed_since(engine: Engine) -> None:
    context = json.loads(json.dumps(CART))
    made = await engine.create_task(*ORDER, context)
    context["customer_email"] = "changed@example.com"  # the caller's dict, after creation
    shown = made.task["context"]
    assert shown["customer_email"] == "ada@example.com"
    assert shown == (await engine.get_task(made.task_uuid))["context"]


async def test_the_same_task_again_is_read_back(engine: Engine) -> None:
    first = await engine.create_task(*ORDER, CART)
    again = await engine.create_task(*ORDER, CART)
    assert not again.created and again.task_uuid == first.task_uuid
    assert again.task == await engine.get_task(first.task_uuid)


def test_a_view_or_its_recipe_one_of_the_two() -> None:
    view = {"task_uuid": "u"}
    with pytest.raises(ValueError, match="one of the two"):
        TaskCreated("u", True, view, build=lambda: view)
    with pytest.raises(ValueError, match="one of the two"):
        TaskCreated("u", True)
    built = TaskCreated("u", True, build=lambda: dict(view))
    assert built.task is built.task == view  # built once, then kept
