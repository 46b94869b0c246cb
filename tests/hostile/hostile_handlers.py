"""Handlers of the hostile template: they fail, return and quote hostile text and secrets."""

from __future__ import annotations

from typing import Any

from tasker_core import PermanentError
from tasker_core.step_handler.functional import step_handler
from tests.hostile.corpus import ALL_IN_ONE, CORPUS, LONG_LINE


@step_handler("hostile_results")
def hostile_results(context: Any) -> dict[str, Any]:
    """Results with hostile keys and values, and a secret a later step quotes."""
    return {
        "echo": dict(CORPUS),
        CORPUS["closing tag"]: CORPUS["window title"],
        "long": LONG_LINE,
        "session": {"accessToken": "at_resultsecret_9876"},
    }


@step_handler("hostile_failure")
def hostile_failure(context: Any) -> Any:
    """A permanent error whose message holds the whole corpus, a 10 kB line and secrets."""
    [results_step] = context.get_dependency_result_keys()
    token = context.get_dependency_field(results_step, "session", "accessToken")
    card = context.get_input("card_number")
    raise PermanentError(
        f"{ALL_IN_ONE}\nvendor said: token {token} card {card}\n{LONG_LINE}",
        error_code="[/x]\x1b[2J",
    )
