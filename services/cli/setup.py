"""Setting a deployment up: migrate (and seal secrets), topics, seed, schemas, keys, secrets."""

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer
import yaml

from services.cli.common import base_settings
from services.shared.db import connect

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from pydantic import SecretStr

SERVICES_DIR = Path(__file__).parents[1]
MIGRATIONS = {
    "access": SERVICES_DIR / "shared" / "sql",
    "scorer": SERVICES_DIR / "scorer" / "migrations",
    "router": SERVICES_DIR / "router" / "migrations",
}


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


def migrate() -> None:
    """Applies pending SQL migrations of both services, then seals plaintext subscription secrets."""
    settings = base_settings()
    applied = asyncio.run(run_migrations(settings.database_url))
    for schema, names in applied.items():
        typer.echo(f"{schema}: {', '.join(names) if names else 'up to date'}")
    sealed = asyncio.run(seal_secrets(settings.database_url, settings.secrets_key))
    if sealed is None and asyncio.run(count_plaintext(settings.database_url)):
        typer.echo("warning: subscription secrets are stored in plaintext; set HANDOFF_SECRETS_KEY and migrate again",
                   err=True)


secrets_app = typer.Typer(help="Secrets at rest.", no_args_is_help=True)


@secrets_app.command("reseal")
def reseal() -> None:
    """Re-seals every subscription secret under the first key of HANDOFF_SECRETS_KEY (key rotation)."""
    settings = base_settings()
    n = asyncio.run(seal_secrets(settings.database_url, settings.secrets_key))
    if n is None:
        raise typer.BadParameter("HANDOFF_SECRETS_KEY is not set")
    typer.echo(f"resealed {n} subscription secrets")


def topics() -> None:
    """Creates the Kafka topics (and dead-letter topics) that are missing."""
    from services.shared.kafka import ensure_topics

    created = asyncio.run(ensure_topics(base_settings()))
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


def seed(path: Path = typer.Argument(Path("deploy/local/demo-reps.yaml"), exists=True)) -> None:
    """Loads demo reps and pools."""
    n = asyncio.run(seed_reps(base_settings().database_url, path))
    typer.echo(f"seeded {n} reps from {path}")


def schemas() -> None:
    """Regenerates schemas/json/*.schema.json and schemas/asyncapi.yaml from the models."""
    from schemas.generate import write_all

    for path in write_all():
        typer.echo(f"wrote {path}")


keys_app = typer.Typer(help="API keys.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(name: str = typer.Option(...), role: str = typer.Option(..., help="marketing|sales|ops|admin")) -> None:
    """Creates an API key and prints it once."""
    from services.shared.auth import create_key

    async def run() -> tuple[str, str]:
        conn = await connect(base_settings().database_url)
        try:
            return await create_key(conn, name, role)
        finally:
            await conn.close()

    key_id, key = asyncio.run(run())
    typer.echo(f"{key_id} ({role}): {key}")
