"""The benchmark's result as Markdown tables: per scenario, the targets, the one-off figures."""

from __future__ import annotations

import statistics
from typing import Any


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def markdown_report(results: dict[str, Any]) -> str:
    """Tables of one run: throughput, latency and paired ratios, then the targets."""
    settings = results["settings"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/compare.py` (`make bench`); how it measures is in",
        "[Benchmarks](../benchmarks.md).",
        "",
        "![Throughput as a ratio to raw WSGI, and p99 latency](chart.png)",
        "",
        f"Run {results['date']}. "
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}. "
        f"{settings['rounds']} interleaved rounds of {settings['seconds']:g} s per variant and "
        f"scenario; gunicorn {settings['workers']} workers x {settings['threads']} threads.",
        "",
    ]
    lines += [
        "*closed*: connections the server closed under wrk, summed over rounds; gunicorn",
        "closes a worker's keep-alive connections when `max_requests` replaces it.",
        "",
    ]
    for scenario, variants in results["summary"]["scenarios"].items():
        connections = results["scenarios"][scenario]["connections"]
        unit = "events/s" if scenario == "batch ingest" else "requests/s"
        lines += [
            f"## {scenario} ({connections} connections)",
            "",
            f"| variant | {unit} | p50 ms | p99 ms | / raw WSGI | relaykit / this | closed |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, row in variants.items():
            lines.append(
                f"| {name} | {row['rate']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                f"{_ratio(row['vs_raw_wsgi'])} | {_ratio(row['relaykit_vs_this'])} | "
                f"{row['closed']} |"
            )
        lines.append("")
    if results["memory"]:
        lines += [
            "## Start-up and memory",
            "",
            "| variant | start-up s | workers | RSS per worker MB | PSS MB | USS MB |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, memory in results["memory"].items():
            startup = statistics.median(results["startup_s"][name])
            rss, pss, uss = (statistics.mean(sizes) / 2**20 for sizes in zip(*memory, strict=True))
            lines.append(
                f"| {name} | {startup:.2f} | {len(memory)} | {rss:.1f} | {pss:.1f} | {uss:.1f} |"
            )
        lines.append("")
    if timings := results.get("timings"):
        lines += [
            "## One-off timings (medians)",
            "",
            "| what | seconds | / bare Flask, paired |",
            "| --- | ---: | ---: |",
            f"| copier copy --defaults | {statistics.median(timings['copier_copy_s']):.2f} | |",
            f"| generated test suite | {statistics.median(timings['generated_suite_s']):.2f} | |",
            f"| generated test suite, first run (compiles its bytecode) | "
            f"{timings['generated_suite_s'][0]:.2f} | |",
        ]
        for name, startup in results["summary"]["startup"].items():
            lines.append(
                f"| import + create_app, {name} | {startup['seconds']:.3f} | "
                f"{startup['vs_bare_flask']:.2f}x |"
            )
        lines.append("")
    lines += [
        "## Targets",
        "",
        "| what | measured | target | met |",
        "| --- | ---: | ---: | --- |",
    ]
    for target in results["summary"]["targets"]:
        lines.append(
            f"| {target['what']} | {target['measured']:.2f} {target['unit']} | "
            f"{target['target']} {target['unit']} | {'yes' if target['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"
