"""`python -m bench [names...]`: runs benchmarks on the local stack, prints a table, writes JSON."""

import asyncio
import dataclasses
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bench.backtest import backtest_throughput
from bench.hostile import hostile_input
from bench.http_scenarios import ingest_rps, routing_latency
from bench.idle import idle_cost
from bench.matcher import matcher_quality
from bench.scale import scale_routers, scale_scorers
from bench.scenarios import Figure, Result, hot_keys, router_throughput, scorer_memory, scorer_throughput
from bench.world import machine, settle

app = typer.Typer(add_completion=False)
RESULTS = Path(__file__).resolve().parent / "results"
NAMES = ("scorer", "router", "ingest", "latency", "memory", "idle", "hotkeys", "backtest", "scale-scorer",
         "scale-router", "hostile", "matcher")
PURE = {"hostile", "matcher"}  # need neither the broker nor the database, nor a quiet machine


def _run(name: str, quick: bool, tmp: Path):
    """The coroutine of one benchmark, with the issue's parameters (or a tenth of them with --quick)."""
    scale = 10 if quick else 1
    return {
        "scorer": lambda: scorer_throughput(events=200_000 // scale, leads=50_000 // scale),
        "router": lambda: router_throughput(leads=10_000 // scale, reps=50, pools=5, tmp=tmp),
        "ingest": lambda: ingest_rps(seconds=20 / (2 if quick else 1), concurrency=32),
        "latency": lambda: routing_latency(rate=200, seconds=60 / (6 if quick else 1)),
        "memory": lambda: scorer_memory(leads=1_000_000 // scale),
        "idle": lambda: idle_cost(seconds=30 / (3 if quick else 1)),
        "hotkeys": lambda: hot_keys(events=20_000 // scale),
        "backtest": lambda: backtest_throughput(events=1_000_000 // scale, leads=100_000 // scale),
        "scale-scorer": lambda: scale_scorers(events=40_000 // scale, leads=10_000 // scale),
        "scale-router": lambda: scale_routers(leads=10_000 // scale, reps=50, pools=5, tmp=tmp),
        "hostile": lambda: hostile_input(size=200_000 // scale),
        "matcher": lambda: matcher_quality(pairs=1000 // (2 if quick else 1)),
    }[name]()


def _table(results: list[Result]) -> Table:
    table = Table(title="Handoff benchmarks")
    for column in ("benchmark", "figure", "value", "ceiling", "ratio", "target", "met"):
        table.add_column(column, justify="right" if column in ("value", "ceiling", "ratio") else "left")
    for result in results:
        for f in result.figures:
            value = f"{f.value:.3f}" if f.unit == "ratio" else f"{f.value:,.1f} {f.unit}"
            table.add_row(result.benchmark, f.name, value,
                          f"{f.baseline:,.1f}" if f.baseline else "", f"{f.ratio:.2f}" if f.ratio else "",
                          f.target, {True: "yes", False: "NO", None: ""}[f.met])
    return table


NAMES_HELP = f"Some of {', '.join(NAMES)}; default all"


@app.command()
def main(names: list[str] = typer.Argument(None, help=NAMES_HELP),
         quick: bool = typer.Option(False, help="A tenth of the issue's sizes, for a smoke run")) -> None:
    """Runs the benchmarks one after another on a quiet machine."""
    chosen = names or list(NAMES)
    unknown = set(chosen) - set(NAMES)
    if unknown:
        raise typer.BadParameter(f"unknown benchmark(s) {sorted(unknown)}; choose from {NAMES}")
    console, results = Console(), []
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            began = time.monotonic()
            console.print(f"[bold]{name}[/bold] …")
            try:
                if name not in PURE:
                    asyncio.run(settle())  # each benchmark starts on a quiet machine
                results.append(asyncio.run(_run(name, quick, Path(tmp))))
            except Exception as exc:  # one broken benchmark must not lose the others' figures
                console.print(f"  [red]failed: {exc!r}[/red]")
                results.append(Result(name, {}, [Figure(f"failed: {type(exc).__name__}", float("nan"), "")]))
            console.print(f"  done in {time.monotonic() - began:.0f} s")
    console.print(_table(results))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    rows = [dataclasses.asdict(r) | {"figures": [dataclasses.asdict(f) | {"ratio": f.ratio} for f in r.figures]}
            for r in results]
    out.write_text(json.dumps({"machine": machine(), "quick": quick, "results": rows},
                              indent=2, default=str))
    console.print(f"results: {out}")


if __name__ == "__main__":
    app()
