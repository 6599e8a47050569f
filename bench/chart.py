"""The benchmark's chart: each scenario's throughput per variant, as a ratio to raw WSGI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen: draw straight to a PNG

import matplotlib.pyplot as plt


def draw_chart(results: dict[str, Any], path: Path) -> None:
    """Grouped bars, one group per scenario, one bar per variant; with p99 latency beside."""
    scenarios = results["summary"]["scenarios"]
    names = list(next(iter(scenarios.values())))
    figure, (rates, tails) = plt.subplots(1, 2, figsize=(14, 5.5), layout="constrained")
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        offsets = [group + index * width for group in range(len(scenarios))]
        ratios = [rows[name]["vs_raw_wsgi"] or 0 for rows in scenarios.values()]
        rates.bar(offsets, ratios, width, label=name)
        tails.bar(offsets, [rows[name]["p99_ms"] for rows in scenarios.values()], width, label=name)
    for axes, title in ((rates, "throughput / raw WSGI, same round (higher is better)"),
                        (tails, "p99 latency, ms (lower is better)")):  # fmt: skip
        axes.set_xticks([group + 0.4 - width / 2 for group in range(len(scenarios))])
        axes.set_xticklabels(list(scenarios), rotation=12)
        axes.set_title(title)
        axes.grid(axis="y", alpha=0.3)
    rates.axhline(1.0, color="black", linewidth=0.8)
    rates.legend(fontsize=8)
    figure.suptitle(
        f"relaykit and its peers, {results['machine']['cpus']} CPUs, loopback, wrk "
        f"({results['settings']['rounds']} interleaved rounds)"
    )
    figure.savefig(path, dpi=100)
    plt.close(figure)
