"""A real SQLite database of hostile tasks, written by the real engine and handlers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from engine import ids
from engine.api import open_engine
from engine.clock import FakeClock
from tests.hostile.corpus import ALL_IN_ONE, CORPUS, LONG_LINE

HANDLERS = Path(__file__).parent / "hostile_handlers.py"
NAMESPACE = "ops [bold]"
NAME = "charge [/] \x1b]0;pwned\x07"
RESULTS_STEP = "[link=https://evil.example]results"
FAILING_STEP = "POST [/v1/charges] \x1b[2J"
LAST_STEP = "after \u202eexe.pdf [/]"
SCHEMA_KEY = "[/x] amount \x1b[2J"  # a context key the template's input_schema requires
INITIATOR = "[/x] night-ops \x1b[31m"
REASON = "missing [amount] \x1b]0;pwned\x07"
CANCEL_REASON = "[/] cancelled \x1b[2J by \u202eops"
SECRETS = {
    "apiKey": "sk_live_hostile_abc",
    "pin": 4321,
    "card_number": "4111 1111 1111 1111",
    "card_as_number": 5555555555554444,
}
CREATED_MS = 1_765_000_000_000
SHOWN_MS = CREATED_MS + 60_000  # the moment the console shows (a stopped clock)
SEED = 26
RESULT_SECRET = "at_resultsecret_9876"  # a step's results hold it; a later error quotes it
CONTEXT = {
    **SECRETS,
    SCHEMA_KEY: 1,
    "note": ALL_IN_ONE,
    "customer": CORPUS["closing tag"],
    "long": LONG_LINE,
}


@dataclass(frozen=True)
class Hostile:
    db: Path
    templates: Path
    failed: str  # the task whose step failed with the corpus as its message
    cancelled: str  # the task cancelled with a hostile reason


def hostile_template() -> dict[str, object]:
    step = {"retry": {"max_attempts": 1}}
    return {
        "name": NAME,
        "namespace_name": NAMESPACE,
        "version": "1.0.0",
        "description": f"{ALL_IN_ONE} {LONG_LINE}",
        "input_schema": {
            "type": "object",
            "properties": {SCHEMA_KEY: {"type": "integer"}},
            "required": [SCHEMA_KEY],
        },
        "steps": [
            {"name": RESULTS_STEP, "handler": {"callable": "hostile_results"}, **step},
            {
                "name": FAILING_STEP,
                "handler": {"callable": "hostile_failure"},
                "dependencies": [RESULTS_STEP],
                **step,
            },
            {
                "name": LAST_STEP,
                "handler": {"callable": "hostile_results"},
                "dependencies": [FAILING_STEP],
                **step,
            },
        ],
    }


async def build_hostile(folder: Path) -> Hostile:
    templates = folder / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "hostile.yaml").write_text(
        yaml.safe_dump(hostile_template(), allow_unicode=False), encoding="utf-8"
    )
    db = folder / "hostile.db"
    clock = FakeClock(CREATED_MS)
    with ids.seeded(SEED):  # the same ids every time: snapshots show them
        return await _populate(db, templates, clock)


async def _populate(db: Path, templates: Path, clock: FakeClock) -> Hostile:
    async with open_engine(
        db, templates=[str(templates)], handlers=[str(HANDLERS)], clock=clock
    ) as engine:
        made = await engine.create_task(
            NAME, NAMESPACE, CONTEXT, initiator=INITIATOR, reason=REASON
        )
        await engine.run_until_idle(worker_id="hostile-worker")
        other = await engine.create_task(
            NAME, NAMESPACE, {"note": "to cancel"}, initiator=INITIATOR, reason=REASON
        )
        await engine.cancel_task(other.task_uuid, CANCEL_REASON, INITIATOR)
    return Hostile(db, templates, made.task_uuid, other.task_uuid)
