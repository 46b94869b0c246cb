"""The PostgreSQL tables of a bench run (in bench/results.md, below the SQLite ones)."""

from __future__ import annotations

from typing import Any

WORKERS = (1, 2, 4)


def _m(figures: dict[str, Any], key: str) -> float | None:
    figure = figures.get(key)
    return None if figure is None else figure["median"]


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f} ms"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _n(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:,.0f}{unit}"


def _inverse(value: float | None) -> float | None:
    return None if not value else 1 / value


def _range(figures: dict[str, Any], key: str) -> str:
    figure = figures.get(key)
    return "" if figure is None else f" ({figure['min']:.2f}–{figure['max']:.2f}×)"


def _held_row(seq: dict[str, Any], chains: int | None) -> list[str]:
    """Ours on a database holding many finished chains (a run from before it was measured has
    no such row)."""
    if chains is None or "ours_held_ms_per_step" not in seq:
        return []
    return [
        f"| ours, on a database already holding {chains:,} finished chains |"
        f" {_ms(_m(seq, 'ours_held_ms_per_step'))} |"
        f" {_x(_m(seq, 'held_to_empty'))}{_range(seq, 'held_to_empty')} ours on an empty one |"
    ]


def markdown(pg: dict[str, Any]) -> list[str]:
    """The lines of the PostgreSQL section; one line saying why when it was skipped."""
    if "skipped" in pg:
        return ["", f"PostgreSQL: not measured, {pg['skipped']}."]
    seq = pg["sequential"]
    lines = [
        "",
        f"On {pg['server']}, same server for everyone, a scratch database per run:",
        "",
        "| PostgreSQL, per step, 5-step chain one at a time | ms per step | ours / it |",
        "|---|---|---|",
        f"| ours | {_ms(_m(seq, 'ours_ms_per_step'))} | |",
        *_held_row(seq, pg.get("held_chains")),
        f"| floor, statements of a step pipelined (one round trip) |"
        f" {_ms(_m(seq, 'floor_pipelined_ms_per_step'))} |"
        f" {_x(_m(seq, 'ours_to_pipelined_floor'))}{_range(seq, 'ours_to_pipelined_floor')} |",
        f"| floor, one transaction per step (a round trip per statement) |"
        f" {_ms(_m(seq, 'floor_one_tx_ms_per_step'))} |"
        f" {_x(_m(seq, 'ours_to_one_tx_floor'))}{_range(seq, 'ours_to_one_tx_floor')} |",
        f"| DBOS Transact (PostgreSQL) | {_ms(_m(seq, 'dbos_ms_per_step'))} |"
        f" {_x(_inverse(_m(seq, 'dbos_to_ours')))} |",
        "",
        "| PostgreSQL throughput, 5-step chains | ours | DBOS (PostgreSQL) | ours / DBOS |"
        " connections per process, ours | DBOS's |",
        "|---|---|---|---|---|---|",
    ]
    for k in WORKERS:
        tp = pg.get(f"throughput_{k}")
        if tp is None:
            continue
        lines.append(
            f"| {k} worker process{'es' if k > 1 else ''} | {_n(_m(tp, 'ours_chains_per_s'))}"
            f" chains/s | {_n(_m(tp, 'dbos_chains_per_s'))} chains/s |"
            f" {_x(_m(tp, 'ours_to_dbos'))}{_range(tp, 'ours_to_dbos')} |"
            f" {_n(_m(tp, 'ours_connections_per_process'))} |"
            f" {_n(_m(tp, 'dbos_connections_per_process'))} |"
        )
    return lines
