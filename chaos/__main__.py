"""`python -m chaos`: runs the chaos harness on the local stack, prints its table, exits 1 on a violation."""

import asyncio
import logging
import sys

import typer
from rich.console import Console

from chaos.config import ChaosConfig
from chaos.harness import run
from chaos.report import table, violations, write_json
from services.shared.config import Settings, load_settings

app = typer.Typer(add_completion=False)
DEFAULTS = ChaosConfig()


@app.command()
def main(
    events: int = typer.Option(DEFAULTS.events, help="Distinct valid engagement events"),
    leads: int = typer.Option(DEFAULTS.leads, help="Leads they are spread over"),
    duplicates: float = typer.Option(DEFAULTS.duplicate_share, help="Share of events sent again later"),
    poison: float = typer.Option(DEFAULTS.poison_share, help="Poison records, as a share of the events"),
    http_share: float = typer.Option(DEFAULTS.http_share, help="Share of records sent via POST /v1/events"),
    kills: int = typer.Option(DEFAULTS.kills, help="SIGKILLs of a random service process (each restarted)"),
    restart_kafka: bool = typer.Option(DEFAULTS.restart_kafka, help="Restart the local broker once (shared!)"),
    restart_postgres: bool = typer.Option(DEFAULTS.restart_postgres, help="Restart local PostgreSQL once (shared!)"),
    rate: float = typer.Option(DEFAULTS.rate, help="Engagement records per second"),
    crm_rate: float = typer.Option(DEFAULTS.crm_rate, help="CRM activities per second"),
    seed: int = typer.Option(DEFAULTS.seed, help="Seed of the input and of the faults"),
    settle_timeout: float = typer.Option(DEFAULTS.settle_timeout_s, help="Seconds to wait for zero lag per phase"),
) -> None:
    """Drives load through two scorers and two routers while killing them and restarting the broker and
    the database, then checks that every event counted exactly once."""
    cfg = ChaosConfig(events=events, leads=leads, duplicate_share=duplicates, poison_share=poison,
                      http_share=http_share, kills=kills, restart_kafka=restart_kafka,
                      restart_postgres=restart_postgres, rate=rate, crm_rate=crm_rate, seed=seed,
                      settle_timeout_s=settle_timeout)
    # The harness's own clients retry through broker restarts; their warnings would drown the table.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    console = Console(width=None if sys.stdout.isatty() else 150)  # a readable table in logs and CI too
    report = asyncio.run(run(cfg, load_settings(Settings), progress=console.log))
    console.print(table(report))
    for line in violations(report):
        console.print(f"  [red]{line}[/red]")
    console.print(f"results: {write_json(report)}")
    raise typer.Exit(0 if report.passed else 1)


if __name__ == "__main__":
    app()
