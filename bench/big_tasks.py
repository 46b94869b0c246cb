"""Big tasks: is the cost of a step independent of the size of its task?

One task of N no-op steps (a root, N-2 parallel steps, a join) against the same N steps as N/5
five-step chains, in the same run, by one in-process worker; a batch whose analyzer makes
thousands of clones; the time to validate and to create a task of a 10,000-step template; and
the console's graph of one such task, drawn first and redrawn as the selection moves.
The templates are generated into a temporary directory.

``python -m bench.big_tasks [--sizes 500 4000] [--clones 5000] [--template 10000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from console.dag_render import dag_picture
from engine.api import open_engine
from engine.templates.loader import load_template

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
HANDLERS = HERE / "noop_handlers.py"
CONCURRENCY = 32


ROOTED_UP_TO = 8000  # a template holds at most 100,000 YAML values: a bigger task has no root


def wide_yaml(steps: int) -> str:
    """A root, ``steps - 2`` parallel steps after it, and a join after all of them; past
    ``ROOTED_UP_TO`` steps, ``steps - 1`` parallel steps and the join (the template's values
    limit leaves no room for a dependency on a root in each step)."""
    rooted = steps <= ROOTED_UP_TO
    middle = [f"p{n:05d}" for n in range(steps - 2 if rooted else steps - 1)]
    after_root = ", dependencies: [root]" if rooted else ""
    lines = (
        ["steps:", "  - { name: root, handler: { callable: bench_noop } }"]
        if rooted
        else ["steps:"]
    )
    lines = [f"name: wide{steps}", "namespace_name: bench", "version: 1.0.0", *lines]
    lines += [
        f"  - {{ name: {name}, handler: {{ callable: bench_noop }}{after_root} }}"
        for name in middle
    ]
    lines.append(
        f"  - {{ name: join, handler: {{ callable: bench_noop }}, dependencies: [{', '.join(middle)}] }}"
    )
    return "\n".join(lines) + "\n"


BATCH_YAML = """\
name: batch
namespace_name: bench
version: 1.0.0
steps:
  - { name: analyze, type: batchable, handler: { callable: bench_analyze } }
  - name: clone
    type: batch_worker
    dependencies: [analyze]
    handler: { callable: bench_clone }
    batch_config: { worker_template: clone, batch_size: 1, cursor_field: row }
  - name: aggregate
    type: deferred_convergence
    dependencies: [clone]
    handler: { callable: bench_noop }
"""


async def _run_tasks(db: Path, templates: Path, name: str, contexts: list[dict[str, Any]]) -> float:
    """Create the tasks, run them to the end with one worker; seconds from the first claim to
    the last completion (read from the audit trail)."""
    async with open_engine(
        db, templates=[templates, TEMPLATES], handlers=[str(HANDLERS)]
    ) as engine:
        made = await engine.create_tasks(name, "bench", contexts)
        await engine.run_until_idle(concurrency=CONCURRENCY)
        for task_uuid, _ in made:
            status = (await engine.get_task(task_uuid))["status"]
            if status != "complete":
                raise RuntimeError(f"bench task {name} ended {status}")
    with sqlite3.connect(db) as cx:
        first, last = cx.execute(
            "SELECT MIN(at) FILTER (WHERE to_state = 'in_progress'),"
            " MAX(at) FILTER (WHERE to_state = 'complete') FROM step_transitions"
        ).fetchone()
    return max(float(last - first) / 1000, 1e-3)


def one_task_against_chains(tmp: Path, steps: int, rounds: int = 3) -> dict[str, float]:
    """Steps per second as one wide task and as ``steps / 5`` chains, run back to back in each
    of ``rounds`` rounds: the medians, and the median of the rounds' own ratios (a loaded
    machine drifts between runs; a round pairs figures taken seconds apart)."""
    (tmp / f"wide{steps}.yaml").write_text(wide_yaml(steps))
    contexts = [{"n": n} for n in range(steps // 5)]
    one_rates, chain_rates, ratios = [], [], []
    for n in range(rounds):
        one = asyncio.run(_run_tasks(tmp / f"one{steps}_{n}.db", tmp, f"wide{steps}", [{}]))
        chains = asyncio.run(_run_tasks(tmp / f"chains{steps}_{n}.db", tmp, "chain5", contexts))
        one_rates.append(steps / one)
        chain_rates.append(steps // 5 * 5 / chains)
        ratios.append(one_rates[-1] / chain_rates[-1])
    return {
        "steps": steps,
        "one_task_steps_per_s": statistics.median(one_rates),
        "chains_steps_per_s": statistics.median(chain_rates),
        "one_to_chains": statistics.median(ratios),
        "one_to_chains_min": min(ratios),
        "one_to_chains_max": max(ratios),
    }


def clone_batch(tmp: Path, clones: int) -> dict[str, float]:
    """A batch whose analyzer makes ``clones`` clones, then an aggregate: steps per second."""
    (tmp / "batch.yaml").write_text(BATCH_YAML)
    seconds = asyncio.run(_run_tasks(tmp / "batch.db", tmp, "batch", [{"items": clones}]))
    return {"clones": clones, "seconds": seconds, "steps_per_s": (clones + 2) / seconds}


def template_times(tmp: Path, steps: int, runs: int = 3) -> dict[str, float]:
    """Seconds to validate (load) a ``steps``-step template and to create one task of it, the
    median of ``runs`` of each."""
    path = tmp / f"wide{steps}.yaml"
    path.write_text(wide_yaml(steps))
    validate = []
    for _ in range(runs):
        start = time.perf_counter()
        load_template(path)
        validate.append(time.perf_counter() - start)

    async def create() -> list[float]:
        async with open_engine(tmp / "create.db", templates=[tmp]) as engine:
            took = []
            for n in range(runs):
                started = time.perf_counter()
                await engine.create_task(f"wide{steps}", "bench", {"n": n})
                took.append(time.perf_counter() - started)
            return took

    return {
        "steps": steps,
        "validate_s": statistics.median(validate),
        "create_s": statistics.median(asyncio.run(create())),
    }


def graph_times(steps: int, runs: int = 3) -> dict[str, float]:
    """Seconds for the console to draw the graph of a ``steps``-step task (a root, parallel
    steps, a join) the first time, and again with another step selected; medians of ``runs``
    (each first draw of a task with names of its own: nothing laid out before)."""
    first, moved = [], []
    for run in range(runs):
        parallel = [f"p{run}_{n:05d}" for n in range(steps - 2)]
        shape = [("root", []), *[(name, ["root"]) for name in parallel], ("join", parallel)]
        start = time.perf_counter()
        dag_picture(shape, selected=parallel[0])
        first.append(time.perf_counter() - start)
        start = time.perf_counter()
        dag_picture(shape, selected=parallel[1])
        moved.append(time.perf_counter() - start)
    return {
        "steps": steps,
        "first_s": statistics.median(first),
        "moved_s": statistics.median(moved),
    }


SIZES = (500, 4000, 10_000)
CLONES = 5000
TEMPLATE_STEPS = 10_000


def measure(
    sizes: tuple[int, ...] = SIZES, clones: int = CLONES, template_steps: int = TEMPLATE_STEPS
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        template = template_times(t, template_steps)  # first, as a process starting up would
        return {
            "one_task": [one_task_against_chains(t, n) for n in sizes],
            "batch": clone_batch(t, clones),
            "template": template,
            "graph": [graph_times(n) for n in sizes],
        }


def markdown(big: dict[str, Any]) -> list[str]:
    """The rows of ``bench/results.md`` for big tasks."""
    lines = [
        "| big tasks (one worker, concurrency 32; medians of 3 rounds) | one task |"
        " as 5-step chains | one / chains (rounds) |",
        "|---|---|---|---|",
    ]
    for row in big["one_task"]:
        lines.append(
            f"| {row['steps']:,} no-op steps (a root, parallel steps, a join) | "
            f"{row['one_task_steps_per_s']:.0f} steps/s | {row['chains_steps_per_s']:.0f} steps/s"
            f" | {row['one_to_chains']:.2f}× ({row['one_to_chains_min']:.2f}–"
            f"{row['one_to_chains_max']:.2f}×) |"
        )
    batch, template = big["batch"], big["template"]
    return [
        *lines,
        f"| a batch of {batch['clones']:,} clones | {batch['steps_per_s']:.0f} steps/s"
        f" ({batch['seconds']:.1f} s) | – | – |",
        "",
        f"| a {template['steps']:,}-step template | |",
        "|---|---|",
        f"| validate (load) | {template['validate_s']:.2f} s |",
        f"| create a task of it | {template['create_s']:.2f} s |",
        *_graph_rows(big.get("graph", [])),
    ]


def _graph_rows(graphs: list[dict[str, float]]) -> list[str]:
    """The console's graph of one big task (a run from before it was measured has none)."""
    if not graphs:
        return []
    return [
        "",
        "| the console's graph of one task (a root, parallel steps, a join) | first draw |"
        " the selection moved |",
        "|---|---|---|",
        *(
            f"| {g['steps']:,} steps | {g['first_s'] * 1000:.0f} ms | {g['moved_s'] * 1000:.0f} ms |"
            for g in graphs
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.big_tasks", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--clones", type=int, default=CLONES)
    parser.add_argument("--template", type=int, default=TEMPLATE_STEPS)
    args = parser.parse_args(argv)
    big = measure(tuple(args.sizes), args.clones, args.template)
    print(json.dumps(big, indent=2))
    print("\n".join(markdown(big)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
