"""The `handoff` command: migrate, topics, seed, serve, schemas, demo."""

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
import yaml

from services.shared.db import connect

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from pydantic import SecretStr

    from services.agreement.document import AgreementDocument
    from services.router.config import RouterSettings
    from services.scorer.config import ScorerSettings
    from services.shared.config import Settings

app = typer.Typer(help="Handoff: event-driven lead routing.", no_args_is_help=True)

SERVICES_DIR = Path(__file__).parent
MIGRATIONS = {
    "access": SERVICES_DIR / "shared" / "sql",
    "scorer": SERVICES_DIR / "scorer" / "migrations",
    "router": SERVICES_DIR / "router" / "migrations",
}


class Service(StrEnum):
    scorer = "scorer"
    router = "router"


def _settings() -> "Settings":
    from services.shared.config import Settings, load_settings

    return load_settings(Settings)


async def run_migrations(database_url: str) -> dict[str, list[str]]:
    """Applies both services' migrations; returns what was applied per schema."""
    from services.shared.migrations import migrate

    conn = await connect(database_url)
    try:
        return {schema: await migrate(conn, schema, path) for schema, path in MIGRATIONS.items()}
    finally:
        await conn.close()


async def seal_secrets(database_url: str, key: "SecretStr | None") -> int | None:
    """Seals plaintext subscription secrets (re-seals the others under the first key); None without a key."""
    from services.router.deliveries.sealing import reseal_secrets, secret_box

    box = secret_box(key)
    if box is None:
        return None
    conn = await connect(database_url)
    try:
        return await reseal_secrets(conn, box)
    finally:
        await conn.close()


async def count_plaintext(database_url: str) -> int:
    from services.router.deliveries.sealing import plaintext_secrets

    conn = await connect(database_url)
    try:
        return await plaintext_secrets(conn)
    finally:
        await conn.close()


@app.command()
def migrate() -> None:
    """Applies pending SQL migrations of both services, then seals plaintext subscription secrets."""
    settings = _settings()
    applied = asyncio.run(run_migrations(settings.database_url))
    for schema, names in applied.items():
        typer.echo(f"{schema}: {', '.join(names) if names else 'up to date'}")
    sealed = asyncio.run(seal_secrets(settings.database_url, settings.secrets_key))
    if sealed is None and asyncio.run(count_plaintext(settings.database_url)):
        typer.echo("warning: subscription secrets are stored in plaintext; set HANDOFF_SECRETS_KEY and migrate again",
                   err=True)


secrets_app = typer.Typer(help="Secrets at rest.", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")


@secrets_app.command("reseal")
def reseal() -> None:
    """Re-seals every subscription secret under the first key of HANDOFF_SECRETS_KEY (key rotation)."""
    settings = _settings()
    n = asyncio.run(seal_secrets(settings.database_url, settings.secrets_key))
    if n is None:
        raise typer.BadParameter("HANDOFF_SECRETS_KEY is not set")
    typer.echo(f"resealed {n} subscription secrets")


@app.command()
def topics() -> None:
    """Creates the Kafka topics (and dead-letter topics) that are missing."""
    from services.shared.kafka import ensure_topics

    created = asyncio.run(ensure_topics(_settings()))
    typer.echo(f"created: {', '.join(created)}" if created else "topics: up to date")


async def seed_reps(database_url: str, path: Path) -> int:
    """Loads reps and pools from a YAML file through the sales-ops writes (versioned, audited); returns the reps."""
    from services.router.salesops.seeding import seed, seed_document

    reps, pools = seed_document(yaml.safe_load(path.read_text()))
    conn = await connect(database_url)
    try:
        async with conn.transaction():
            return await seed(conn, reps, pools)
    finally:
        await conn.close()


@app.command()
def seed(path: Path = typer.Argument(Path("deploy/local/demo-reps.yaml"), exists=True)) -> None:
    """Loads demo reps and pools."""
    n = asyncio.run(seed_reps(_settings().database_url, path))
    typer.echo(f"seeded {n} reps from {path}")


@app.command()
def serve(service: Service, port: int = typer.Option(None, help="Default: the service's own")) -> None:
    """Runs one service (HTTP app, consumers, outbox relay) under uvicorn."""
    import uvicorn

    from services.shared.config import load_settings
    from services.shared.logs import configure_logging, secret_values

    settings_cls: type[ScorerSettings] | type[RouterSettings]
    if service is Service.scorer:
        from services.scorer.config import ScorerSettings as settings_cls
        factory = "services.scorer.bootstrap:create_app"
    else:
        from services.router.config import RouterSettings as settings_cls
        factory = "services.router.bootstrap:create_app"
    settings = load_settings(settings_cls)
    configure_logging(settings.log_level, secret_values(settings))
    uvicorn.run(factory, factory=True, host=settings.host, port=port or settings.port,
                log_config=None, access_log=False, timeout_graceful_shutdown=25)


@app.command()
def schemas() -> None:
    """Regenerates schemas/json/*.schema.json and schemas/asyncapi.yaml from the models."""
    from schemas.generate import write_all

    for path in write_all():
        typer.echo(f"wrote {path}")


keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(name: str = typer.Option(...), role: str = typer.Option(..., help="marketing|sales|ops|admin")) -> None:
    """Creates an API key and prints it once."""
    from services.shared.auth import create_key

    async def run() -> tuple[str, str]:
        conn = await connect(_settings().database_url)
        try:
            return await create_key(conn, name, role)
        finally:
            await conn.close()

    key_id, key = asyncio.run(run())
    typer.echo(f"{key_id} ({role}): {key}")


agreement_app = typer.Typer(help="The shared lead definition and SLA rules.", no_args_is_help=True)
app.add_typer(agreement_app, name="agreement")


def _read_agreement(path: Path) -> tuple["AgreementDocument", Literal["json", "yaml"]]:
    from services.agreement.text import AgreementInvalid, parse_agreement

    fmt: Literal["json", "yaml"] = "json" if path.suffix == ".json" else "yaml"
    try:
        return parse_agreement(path.read_text(), fmt), fmt
    except AgreementInvalid as exc:
        for where, message in exc.errors:
            typer.echo(f"{path}: {where}: {message}", err=True)
        raise typer.Exit(2) from exc


async def bootstrap_agreement(database_url: str, path: Path) -> str:
    """Installs the agreement in `path` as the first active version, unless one is active."""
    from services.agreement.text import dump_agreement
    from services.scorer.agreements.store import AgreementRepository

    document, fmt = _read_agreement(path)
    conn = await connect(database_url)
    try:
        async with conn.transaction():
            repo = AgreementRepository(conn)
            await conn.execute("LOCK TABLE scorer.agreements IN EXCLUSIVE MODE")
            if (active := await repo.active()) is not None:
                return f"agreement version {active.version} is already active"
            version = await repo.create(document.name, dump_agreement(document), fmt, path.read_text(),
                                        "bootstrap")
            # A new deployment has no teams' keys yet: the installer signs for both, on record.
            for role in ("marketing", "sales"):
                await repo.approve(version, role, f"bootstrap-{role}")
                await repo.record(version, "approved", f"bootstrap-{role}", role, {"bootstrap": True})
            await repo.activate(version, "bootstrap")
            await repo.record(version, "activated", "bootstrap", "admin", {"bootstrap": True})
            return f"agreement version {version} ({document.name}) active"
    finally:
        await conn.close()


@agreement_app.command("bootstrap")
def agreement_bootstrap(path: Path = typer.Argument(..., exists=True)) -> None:
    """Installs FILE as the first active agreement of a new deployment (no-op once one is active)."""
    typer.echo(asyncio.run(bootstrap_agreement(_settings().database_url, path)))


@agreement_app.command("backtest")
def agreement_backtest(
    path: Path = typer.Argument(..., exists=True),
    since: str = typer.Option("30d", help="30d, 12h, 2w or an ISO timestamp"),
    until: str = typer.Option(None, help="An ISO timestamp; default: now"),
    leads: bool = typer.Option(False, "--leads", help="Also print each qualification (lead, time, tier, reason)"),
) -> None:
    """Replays stored engagement under FILE and under the active version with the live scorer's engine,
    in this process, and compares."""
    from datetime import UTC, datetime

    import orjson
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from services.scorer.backtest.history import parse_since
    from services.scorer.backtest.run import run_backtest
    from services.scorer.config import ScorerSettings
    from services.shared.config import load_settings
    from services.shared.db import create_pool

    document, _ = _read_agreement(path)
    settings = load_settings(ScorerSettings)
    now = datetime.now(UTC)
    try:
        start = parse_since(since, now)
        end = datetime.fromisoformat(until) if until else now
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if end.tzinfo is None:
        raise typer.BadParameter("--until needs a UTC offset")
    if start >= end:
        raise typer.BadParameter("--since must be before --until")

    async def run() -> dict[str, Any]:
        pool = await create_pool(settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 2}))
        try:
            with Progress(transient=True) as progress:
                task = progress.add_task("replaying events", total=None)

                async def total(n: int) -> None:
                    progress.update(task, total=n)

                async def advance(done: int) -> None:
                    progress.update(task, completed=done)

                return await run_backtest(pool, document, start, until=end, on_total=total, on_progress=advance)
        finally:
            await pool.close()

    report = asyncio.run(run())
    table = Table(title=f"Backtest {report['since']} to {report['until']}: {report['leads_replayed']} leads, "
                        f"{report['events_replayed']} events")
    table.add_column("")
    table.add_column(f"draft ({path.name})")
    table.add_column(f"active (v{report['active_version']})")
    table.add_row("sales-ready", str(report["draft"]["sales_ready"]), str(report["active"]["sales_ready"]))
    for dim in ("by_tier", "by_source", "by_campaign"):
        for name in sorted(set(report["draft"][dim]) | set(report["active"][dim])):
            table.add_row(f"  {dim[3:]}: {name}", str(report["draft"][dim].get(name, 0)),
                          str(report["active"][dim].get(name, 0)))
    table.add_row("newly qualified", str(len(report["newly_qualified"])), "")
    table.add_row("no longer qualified", str(len(report["no_longer_qualified"])), "")
    Console().print(table)
    if not leads:
        report = {k: v for k, v in report.items() if k != "qualifications"}
    typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


@agreement_app.command("backtest-job", hidden=True)
def agreement_backtest_job(job_id: str = typer.Argument(..., help="A row of scorer.backtest_jobs")) -> None:
    """Runs one queued backtest job (the scorer starts this for POST /v1/agreements/{v}/backtest)."""
    import uuid

    from services.scorer.backtest.jobs import run_job
    from services.scorer.config import ScorerSettings
    from services.shared.config import load_settings
    from services.shared.logs import configure_logging, secret_values

    settings = load_settings(ScorerSettings)
    configure_logging(settings.log_level, secret_values(settings))
    if not asyncio.run(run_job(settings, uuid.UUID(job_id))):
        raise typer.Exit(1)


@app.command()
def urls() -> None:
    """Prints where the local services listen and the dev admin key."""
    from services.router.config import RouterSettings
    from services.scorer.config import ScorerSettings
    from services.shared.config import load_settings

    scorer, router = load_settings(ScorerSettings), load_settings(RouterSettings)
    key = scorer.admin_key.get_secret_value() if scorer.admin_key else "(none set)"
    typer.echo(f"scorer     http://{scorer.host}:{scorer.port}   (API docs: /docs)")
    typer.echo(f"router     http://{router.host}:{router.port}   (API docs: /docs)")
    typer.echo(f"kafka      {scorer.kafka_bootstrap}")
    typer.echo(f"postgres   {scorer.database_url}")
    typer.echo(f"admin key  {key}   (Authorization: Bearer <key>)")


@app.command()
def demo(leads: int = typer.Option(360, min=10, max=5000, help="How many leads the week brings"),
         seed: int = typer.Option(None, help="Random seed, for the same week again")) -> None:
    """Seeds a synthetic week (reps, engagement, CRM outcomes) through the running services' APIs."""
    import httpx

    from services.demo.seeder import DemoError, seed_demo
    from services.router.config import RouterSettings
    from services.scorer.config import ScorerSettings
    from services.shared.config import load_settings

    scorer, router = load_settings(ScorerSettings), load_settings(RouterSettings)
    if scorer.admin_key is None:
        raise typer.BadParameter("HANDOFF_ADMIN_KEY is not set; the demo signs in with it")
    key = scorer.admin_key.get_secret_value()

    def host(s: "Settings") -> str:
        return "127.0.0.1" if s.host in ("0.0.0.0", "::") else s.host  # listening everywhere: ask locally

    try:
        done = asyncio.run(seed_demo(f"http://{host(scorer)}:{scorer.port}", f"http://{host(router)}:{router.port}",
                                     key, leads=leads, seed=seed, say=typer.echo))
    except (DemoError, httpx.HTTPError) as exc:
        typer.echo(f"demo: {exc} (are the services up? `make run`)", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"sales: {done['touched']} touched, {done['accepted']} accepted, {done['rejected']} rejected, "
               f"{done['converted']} converted, {done['won']} won, {done['lost']} lost; {done['untouched']} left "
               "untouched (they warn and breach as business minutes pass)")
    if done["late"] or done["pending"]:
        typer.echo(f"still on their way: {done['pending']} routings, {done['late']} CRM updates", err=True)
    typer.echo(f"dashboard: http://{host(router)}:{router.port}/ui/#key={key}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
