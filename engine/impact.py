"""What an operator action will do to a task, said before it is done (pure: no I/O).

For ``r`` (retry a step), ``R`` (retry every failed step), ``m`` (resolve), ``c`` (complete),
``x`` (cancel), ``g`` (give up) and ``E`` (edit the context and retry), ``impact_of`` tells:

- **runs again**: the steps the action sends back to run;
- **then runs**: their dependents (any descendant) that can run once they succeed, and the
  ones that still wait for another failed step;
- **will fail for want of results**: a dependent whose handler's ``@depends_on`` model the
  resolved or completed step's results cannot satisfy (``Need``); a dependent whose handler is
  not known here (not importable, a class-based handler, the console over HTTP) is listed as
  **unknown**, never guessed;
- **not undone**: the completed steps the action leaves as they are, their results summarised
  (``engine.results_summary``): a cancel does not refund a charge;
- **outcome unknown**: a step running now, or whose last attempt timed out after it started
  (``handler_timeout``, a ``timeout`` error or a ``*TIMEOUT*`` code; not a connect timeout,
  which never sent anything): what it sent may have taken effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.json_schema import schema_errors
from engine.results_summary import SYMBOLS, results_summary

STEP_ACTIONS = ("retry_step", "resolve_step", "complete_step")
TASK_ACTIONS = ("retry_all", "cancel_task", "give_up", "edit_context")
DONE = ("complete", "resolved_manually")
FINISHED = (*DONE, "cancelled")
SHOWN_NAMES = 12  # of a list of step names in ``lines`` (``as_json`` keeps them all)
SHOWN_ITEMS = 8  # of a section's findings in ``lines``
NEVER_SENT = ("ConnectTimeout", "PoolTimeout")  # a timeout before the request left
KEPT_WHY = {
    "retry_step": "not re-run: its results stand",
    "retry_all": "not re-run: its results stand",
    "resolve_step": "stays as it is",
    "complete_step": "stays as it is",
    "cancel_task": "cancelling does not undo it",
    "give_up": "giving up does not undo it",
    "edit_context": "not re-run with the new context: its results came from the old one",
}


@dataclass(frozen=True)
class Need:
    """A handler's ``@depends_on(param=step)`` or ``@depends_on(param=(step, model))``."""

    param: str
    step: str
    model: type[BaseModel] | None = None


# A step's handler's needs by step name; None (or no entry): the handler is not known here.
Needs = Mapping[str, tuple[Need, ...] | None]


@dataclass(frozen=True)
class Impact:
    """What an action will do; every text is plain (the caller escapes and masks nothing
    more: results are summarised masked here)."""

    action: str
    runs_again: tuple[str, ...] = ()
    then_runs: tuple[str, ...] = ()
    still_waiting: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    will_fail: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    expects: tuple[str, ...] = ()
    not_undone: tuple[str, ...] = ()
    outcome_unknown: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The preview as lines: ``runs again: process_payment``, one bullet per finding; long
        lists are cut (``+N more``), so a task of 10,000 batch clones previews in a screenful."""
        out: list[str] = []
        for label, names in (
            ("runs again", self.runs_again),
            ("then runs", self.then_runs),
            ("still waits", self.still_waiting),
            ("stops", self.stops),
        ):
            if names:
                more = f" (+{len(names) - SHOWN_NAMES} more)" if len(names) > SHOWN_NAMES else ""
                out.append(f"{label}: {', '.join(names[:SHOWN_NAMES])}{more}")
        for label, items in (
            ("will fail for want of results", self.will_fail),
            ("unknown", self.unknown),
            ("dependents expect", self.expects),
            ("not undone", self.not_undone),
            ("outcome unknown", self.outcome_unknown),
        ):
            if items:
                out.append(f"{label}:")
                out.extend(f"  • {item}" for item in items[:SHOWN_ITEMS])
                if len(items) > SHOWN_ITEMS:
                    out.append(f"  … and {len(items) - SHOWN_ITEMS} more")
        return out or ["nothing else changes"]

    def as_json(self) -> dict[str, Any]:
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


def timed_out_after_start(error: Any) -> str | None:
    """How the attempt that left ``error`` timed out after it started, or None when it did not
    (or timed out before sending anything)."""
    if not isinstance(error, dict):
        return None
    metadata = error.get("metadata")
    if isinstance(metadata, dict) and metadata.get("exception_type") in NEVER_SENT:
        return None
    code = str(error.get("error_code") or "")
    if error.get("error_type") == "handler_timeout":
        return "ran past its timeout after starting"
    if error.get("error_type") == "timeout" or "TIMEOUT" in code.upper():
        return "timed out after starting" + (f" ({code})" if code else "")
    return None


def _descendants(steps: list[dict[str, Any]], roots: set[str]) -> set[str]:
    children: dict[str, list[str]] = {}
    for step in steps:
        for parent in step.get("dependencies") or []:
            children.setdefault(parent, []).append(step["name"])
    found: set[str] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found - roots


def _who_runs(
    steps: list[dict[str, Any]], acted: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The acted-on steps' dependents that run once they succeed, and those that still wait
    for a step outside them (in position order)."""
    after = _descendants(steps, acted)
    state = {s["name"]: s.get("current_state") for s in steps}
    ok = {name for name, st in state.items() if st in DONE} | acted
    changed = True
    while changed:
        changed = False
        for step in steps:
            name = step["name"]
            if name not in ok and state[name] not in FINISHED and name in after:
                if all(dep in ok for dep in step.get("dependencies") or []):
                    ok.add(name)
                    changed = True
    runs = tuple(
        s["name"]
        for s in steps
        if s["name"] in after and s["name"] in ok and state[s["name"]] not in DONE
    )  # a dependent already complete is not run again
    waits = tuple(
        s["name"]
        for s in steps
        if s["name"] in after and s["name"] not in ok and state[s["name"]] not in FINISHED
    )
    return runs, waits


def _model_problems(model: type[BaseModel], results: Any) -> list[str]:
    try:
        model.model_validate(results)
    except ValidationError as exc:
        return [
            ".".join(str(p) for p in e["loc"]) + f": {e['msg']}" if e["loc"] else e["msg"]
            for e in exc.errors()
        ]
    except Exception as exc:  # a model validator raising its own error says the same
        return [" ".join(str(exc).split())[:120] or type(exc).__name__]
    return []


def _results_findings(
    action: str, acted: str, dependents: tuple[str, ...], needs: Needs, results: Any
) -> tuple[list[str], list[str], list[str]]:
    """(will fail, unknown, expects) for the dependents of a resolved or completed step."""
    fail: list[str] = []
    unknown: list[str] = []
    expects: list[str] = []
    for dependent in dependents:
        declared = needs.get(dependent)
        if declared is None:
            unknown.append(
                f"{dependent}: its handler is not known here; whether it needs "
                f"{acted}'s results is unknown"
            )
            continue
        for need in (n for n in declared if n.step == acted):
            model = need.model.__name__ if need.model else None
            uses = f"@depends_on({need.param}={acted}" + (f", {model})" if model else ")")
            if action == "resolve_step":
                if need.model is not None:
                    fail.append(f"{dependent}: {uses} expects results; a resolved step has none")
                else:
                    unknown.append(f"{dependent}: {uses} gets None; it fails unless it allows that")
            elif need.model is not None and results is None:
                fields = [n for n, f in need.model.model_fields.items() if f.is_required()]
                expects.append(f"{dependent}: {uses} needs {', '.join(fields) or 'no field'}")
            elif need.model is not None:
                problems = _model_problems(need.model, results)
                if problems:
                    more = f" (+{len(problems) - 2} more)" if len(problems) > 2 else ""
                    fail.append(f"{dependent}: {uses}: " + "; ".join(problems[:2]) + more)
    return fail, unknown, expects


def _declared_findings(
    step: str, schema: dict[str, Any], results: Any, fail: list[str], expects: list[str]
) -> tuple[list[str], list[str]]:
    """The completed step's own ``result_schema`` against the results given (or, none given
    yet, the keys it requires), first in the lists."""
    if results is None:
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        if required:
            expects = [f"{step}: its result_schema requires {', '.join(required)}", *expects]
        return fail, expects
    problems = schema_errors(results, schema)
    if problems:
        more = f" (+{len(problems) - 2} more)" if len(problems) > 2 else ""
        fail = [f"{step}: its result_schema: " + "; ".join(problems[:2]) + more, *fail]
    return fail, expects


def _not_undone(action: str, steps: list[dict[str, Any]], secrets: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for step in steps:
        if step.get("current_state") == "complete":
            summary = results_summary(step.get("results"), secrets)
            why = KEPT_WHY[action]
            if action in ("cancel_task", "give_up") and any(c in summary for c in SYMBOLS.values()):
                why = why.replace("undo it", "refund it")
            out.append(f"{step['name']} completed: {summary}; {why}")
        elif step.get("current_state") == "resolved_manually":
            out.append(f"{step['name']} was resolved by hand (no results); {KEPT_WHY[action]}")
    return out


def _outcomes_unknown(action: str, steps: list[dict[str, Any]], rerun: set[str]) -> list[str]:
    out: list[str] = []
    for step in steps:
        name, state = step["name"], step.get("current_state")
        if state == "in_progress":
            stop = "it is asked to stop; " if action == "cancel_task" else ""
            out.append(f"{name} is running now: {stop}what it has sent already may take effect")
        elif state not in DONE and (how := timed_out_after_start(step.get("error"))):
            again = "; running it again repeats it (safe if its handler is idempotent)"
            out.append(
                f"{name}: outcome unknown: its last attempt {how}; what it sent may have "
                "taken effect" + (again if name in rerun else "")
            )
    return out


def impact_of(
    action: str,
    task: dict[str, Any],
    step: str | None = None,
    *,
    needs: Needs | None = None,
    results: Any = None,
    secrets: tuple[str, ...] = (),
    result_schema: dict[str, Any] | None = None,
) -> Impact:
    """The impact of ``action`` (``STEP_ACTIONS`` on ``step``, or ``TASK_ACTIONS``) on
    ``task`` (as ``Engine.get_task`` gives it). ``needs``: the dependents' handlers' needs
    (None: none known, every results question is unknown); ``results``: what ``complete_step``
    will store (None: not given yet, the preview says what dependents expect);
    ``result_schema``: the completed step's declared results (its template's)."""
    if action not in (*STEP_ACTIONS, *TASK_ACTIONS):
        raise ValueError(f"no impact preview for action {action!r}")
    steps: list[dict[str, Any]] = [s for s in task.get("steps", []) if "name" in s]
    names = [s["name"] for s in steps]
    if action in STEP_ACTIONS and step not in names:
        raise ValueError(f"task has no step {step!r}; its steps: {', '.join(names)}")
    failed = {s["name"] for s in steps if s.get("current_state") == "error"}
    rerun: set[str] = set()
    if action == "retry_step":
        rerun = {step} if step else set()
    elif action in ("retry_all", "edit_context"):
        rerun = failed
    found: dict[str, Any] = {"action": action}
    found["runs_again"] = tuple(n for n in names if n in rerun)
    if action in ("cancel_task", "give_up"):
        unfinished = [s["name"] for s in steps if s.get("current_state") not in FINISHED]
        if action == "cancel_task":
            found["stops"] = tuple(unfinished)
    else:
        acted = rerun if rerun else ({step} if step else set())
        found["then_runs"], found["still_waiting"] = _who_runs(steps, acted)
    if action in ("resolve_step", "complete_step") and step:
        dependents = (*found["then_runs"], *found["still_waiting"])
        fail, unknown, expects = _results_findings(action, step, dependents, needs or {}, results)
        if action == "complete_step" and result_schema:
            fail, expects = _declared_findings(step, result_schema, results, fail, expects)
        found.update(will_fail=tuple(fail), unknown=tuple(unknown), expects=tuple(expects))
    found["not_undone"] = tuple(_not_undone(action, steps, secrets))
    found["outcome_unknown"] = tuple(_outcomes_unknown(action, steps, rerun))
    return Impact(**found)
