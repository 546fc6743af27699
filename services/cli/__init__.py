"""The `handoff` command, one module per group: setup (migrate, secrets, topics, seed, schemas, keys),
running (serve, status, urls, demo, review), agreement and dlq. Each command imports what it needs
when it runs, so `handoff --help` loads none of the services."""

import typer

from services.cli import agreement, dlq, running, setup

app = typer.Typer(help="Handoff: event-driven lead routing.", no_args_is_help=True)
for command in (setup.migrate, setup.topics, setup.seed, running.serve, setup.schemas, running.status,
                running.urls, running.demo, running.review):
    app.command()(command)
app.add_typer(setup.secrets_app, name="secrets")
app.add_typer(setup.keys_app, name="keys")
app.add_typer(agreement.agreement_app, name="agreement")
app.add_typer(dlq.dlq_app, name="dlq")


def main() -> None:
    app()
