"""Ours and the peers run back to back in each round; a ratio is the median of the rounds'
own ratios, not the ratio of the medians."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import beside_peers, throughput


def test_each_ratio_pairs_figures_of_the_same_round(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three rounds on a machine that drifts.
    ours = iter([1000.0, 500.0, 2000.0])
    dbos = iter([50.0, 100.0, 400.0])
    huey = iter([250.0, 100.0, 1000.0])
    order: list[str] = []

    def ours_rate(path: Path, workers: int, chains: int) -> float:
        assert (workers, chains) == (1, 10)
        order.append("ours")
        return next(ours)

    def peer(script: str, *args: str, huey: bool) -> dict[str, Any]:
        assert args == ("throughput", "1", "10")
        order.append(script)
        return {"chains_per_s": next(huey_rates if huey else dbos)}

    huey_rates = huey
    monkeypatch.setattr(throughput, "chains_per_second", ours_rate)
    monkeypatch.setattr(beside_peers, "_peer", peer)
    found = beside_peers.throughput_rounds(3, 10, (1,))

    assert order == ["ours", "dbos_bench.py", "huey_bench.py"] * 3
    # Rounds' ratios 20, 5 and 5: median 5, where the medians' ratio would say 1000 / 100 = 10.
    assert found["ratios"]["throughput_1_to_dbos"] == {"median": 5.0, "min": 5.0, "max": 20.0}
    # Rounds' ratios 4, 5 and 2.
    assert found["ratios"]["throughput_1_to_huey"] == {"median": 4.0, "min": 2.0, "max": 5.0}
    assert found["ours"]["chains_per_s_1"]["median"] == 1000.0
    assert found["huey"]["chains_per_s_1"] == {"median": 250.0, "min": 100.0, "max": 1000.0}
