"""The markdown table of a bench run (bench/results.md, quoted in the README)."""

from __future__ import annotations

from typing import Any

from bench import big_tasks, report_postgres

CONSOLE_READS = (  # bench.console's reads behind the console's views, as the report names them
    ("grid query (G, newest 40 of a template)", "grid_query_ms"),
    ("failures view (F, 3 % of tasks failed)", "failures_ms"),
    ("failures view with the handled ones (h)", "failures_all_ms"),
    ("search: a customer's e-mail", "search_email_ms"),
    ("search: code:PAYMENT_DECLINED", "search_code_ms"),
    ("search: ctx.order_id:", "search_ctx_path_ms"),
    ("search: a word in error messages", "search_word_ms"),
)


def _console_reads(c: dict[str, Any]) -> list[str]:
    """A row per read both sizes measured (a run from before a read existed has none)."""
    return [
        f"| {label} | {c[f'{key}_10k']:.1f} ms | {c[f'{key}_100k']:.1f} ms |"
        for label, key in CONSOLE_READS
        if f"{key}_10k" in c and f"{key}_100k" in c
    ]


def _m(figure: dict[str, float] | None) -> float | None:
    return None if figure is None else figure["median"]


def _fmt(value: float | None, unit: str, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f} {unit}".strip()


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else _times(a / b)


def _paired(figure: dict[str, float] | None, a: float | None, b: float | None) -> str:
    """The median of the rounds' own ratios with their range (``beside_peers``); a run from
    before peers ran in the same rounds has none: the ratio of the medians."""
    if figure is None:
        return _ratio(a, b)
    return f"{_times(figure['median'])} ({figure['min']:.2f}–{figure['max']:.2f}×)"


def _times(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _per_step_rows(r: dict[str, Any]) -> list[str]:
    """A step's cost beside the two floors: one chain at a time (the ratio is the median of the
    rounds' own ratios), and under load, as wall time per step while 1,000 chains run at once
    (1 / (chains/s x 5)), what a step costs with its writes grouped."""
    ours, ratios = r["ours"], r.get("ratios", {})
    same = _m(r["floor"].get("same_writes_ms_per_step"))
    minimal = _m(r["floor"].get("minimal_ms_per_step"))
    chain = _m(ours.get("chain5_ms"))
    per_step = None if chain is None else chain / 5
    to_same = _m(ratios.get("per_step_to_same_writes_floor"))
    to_minimal = _m(ratios.get("per_step_to_minimal_floor"))
    floors = f"{_fmt(same, 'ms', 3)} | {{}} | {_fmt(minimal, 'ms', 3)} | {{}} |"
    rows = [
        f"| sequential, one chain at a time | {_fmt(per_step, 'ms', 3)} | "
        + floors.format(_times(to_same), _times(to_minimal))
    ]
    for k in (1, 2):
        rate = _m(ours.get(f"chains_per_s_{k}"))
        step_ms = None if not rate else 1000 / (rate * 5)
        rows.append(
            f"| under load, {k} worker process{'es' if k > 1 else ''} (wall time per step) | "
            f"{_fmt(step_ms, 'ms', 3)} | "
            + floors.format(_ratio(step_ms, same), _ratio(step_ms, minimal))
        )
    return rows


def _held_rows(h: dict[str, Any] | None) -> list[str]:
    """A step's cost on a database already holding many finished chains, beside its cost on an
    empty one in the same round (a run from before it was measured has none)."""
    if not h:
        return []
    to_empty = h["to_empty"]
    return [
        "",
        "| what the database holds, sequential 5-step chain | ms per step | ours / on an empty one |",
        "|---|---|---|",
        f"| {h['chains']:,} finished chains | {_fmt(_m(h['ms_per_step']), 'ms', 3)} |"
        f" {_times(_m(to_empty))} ({to_empty['min']:.2f}–{to_empty['max']:.2f}×) |",
    ]


def markdown(r: dict[str, Any]) -> str:
    ours, dbos, huey = r["ours"], r["dbos"], r["huey"]
    lines = [
        f"Measured {r['date']} on {r['machine']}; medians of {r['runs']} runs; "
        f"throughput over {r['chains']} concurrent chains.",
        "",
        "| sequential latency | ours | DBOS (SQLite) | Huey (SqliteHuey) | DBOS / ours |"
        " Huey / ours |",
        "|---|---|---|---|---|---|",
    ]
    paired = r.get("ratios", {})
    for label, key, name in (
        ("5-step chain, per workflow", "chain5_ms", "chain5"),
        ("4-step diamond, per workflow", "diamond4_ms", "diamond4"),
    ):
        o, d, h = _m(ours.get(key)), _m(dbos.get(key)), _m(huey.get(key))
        lines.append(
            f"| {label} | {_fmt(o, 'ms')} | {_fmt(d, 'ms')} | {_fmt(h, 'ms')} | "
            f"{_paired(paired.get(f'dbos_to_ours_{name}'), d, o)} | "
            f"{_paired(paired.get(f'huey_to_ours_{name}'), h, o)} |"
        )
    lines += [
        "",
        "| per step, 5-step chain | ours | floor: the same writes | ours / floor |"
        " minimal floor | ours / minimal |",
        "|---|---|---|---|---|---|",
        *_per_step_rows(r),
        "",
        "| throughput, 5-step chains | ours | DBOS (SQLite) | Huey (SqliteHuey) | ours / DBOS |"
        " ours / Huey |",
        "|---|---|---|---|---|---|",
    ]
    for k in (1, 2, 4):
        key = f"chains_per_s_{k}"
        o, d, h = _m(ours.get(key)), _m(dbos.get(key)), _m(huey.get(key))
        lines.append(
            f"| {k} worker process{'es' if k > 1 else ''} | {_fmt(o, 'chains/s', 0)} | "
            f"{_fmt(d, 'chains/s', 0)} | {_fmt(h, 'chains/s', 0)} | "
            f"{_paired(paired.get(f'throughput_{k}_to_dbos'), o, d)} | "
            f"{_paired(paired.get(f'throughput_{k}_to_huey'), o, h)} |"
        )
    lines += _held_rows(r.get("held"))
    lat = ours.get("latency", {})
    lines += [
        "",
        "| scheduling latency (ours, median) | |",
        "|---|---|",
        f"| create_task → first handler call | {_fmt(lat.get('create_to_first_call_ms'), 'ms')} |",
        f"| a retry's next_retry_at → its handler call | "
        f"{_fmt(lat.get('retry_due_to_call_ms'), 'ms')} |",
    ]
    if r.get("big"):
        lines += ["", *big_tasks.markdown(r["big"])]
    large = ours.get("large")
    if large:
        lines += [
            "",
            f"| database of {large['tasks']:,} tasks (one in ten left to run) | |",
            "|---|---|",
            f"| peak memory of a worker running them | {large['worker_peak_rss_mb']:.0f} MB |",
            f"| peak memory of the console, newest 10,000 listed | "
            f"{large['console_peak_rss_mb']:.0f} MB |",
        ]
        c = large["console"]
        lines += [
            "",
            "| console | 10k tasks | " + f"{large['tasks'] // 1000}k tasks |",
            "|---|---|---|",
            f"| first screen (fresh process) | {c['first_screen_s_10k']:.2f} s | "
            f"{c['first_screen_s_100k']:.2f} s |",
            f"| list query (newest 10,000) | {c['list_query_ms_10k']:.0f} ms | "
            f"{c['list_query_ms_100k']:.0f} ms |",
            f"| counts per state | {c['counts_ms_10k']:.1f} ms | {c['counts_ms_100k']:.1f} ms |",
            f"| refresh cycle, 20 tasks changed | {c['refresh_ms_10k']:.1f} ms | – |",
            *_console_reads(c),
        ]
    if "postgres" in r:
        lines += report_postgres.markdown(r["postgres"])
    return "\n".join(lines)
