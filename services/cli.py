"""The `handoff` command: migrate, topics, seed, serve, schemas, agreement, dlq, demo."""

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
import yaml

from services.shared.db import connect

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from datetime import datetime

    from pydantic import SecretStr

    from services.agreement.document import AgreementDocument
    from services.router.config import RouterSettings
    from services.scorer.config import ScorerSettings
    from services.shared.config import Settings
    from services.shared.dlq import DeadLetterFilter
    from services.shared.dlq_api import DeadLetterView

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
    from services.shared.tracing import configure_tracing

    settings = load_settings(settings_cls)
    configure_logging(settings.log_level, secret_values(settings))
    configure_tracing(service.value)  # spans always made, exported only as the OTEL_* variables say
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


def _window(since: str, until: str | None) -> "tuple[datetime, datetime]":
    """--since/--until as the APIs read them; a usage error naming the option otherwise."""
    from datetime import UTC, datetime

    from services.shared.windows import parse_window

    try:
        return parse_window(since, datetime.fromisoformat(until) if until else None, datetime.now(UTC))
    except ValueError as exc:  # a WindowRefused, or --until not a timestamp at all
        raise typer.BadParameter(f"--{getattr(exc, 'field', 'until')}: {exc}") from exc


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

    import orjson
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from services.scorer.backtest.run import run_backtest
    from services.scorer.config import ScorerSettings
    from services.shared.config import load_settings
    from services.shared.db import create_pool
    document, _ = _read_agreement(path)
    settings = load_settings(ScorerSettings)
    start, end = _window(since, until)

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


@agreement_app.command("validate")
def agreement_validate(
    path: Path = typer.Argument(..., exists=True, dir_okay=False),
    as_json: bool = typer.Option(False, "--json", help="The API's error body instead of lines"),
) -> None:
    """Checks FILE offline, with the API's exact errors and their paths; exit 2 when it is not valid."""
    import orjson

    from services.agreement.text import AgreementInvalid, parse_agreement

    fmt: Literal["json", "yaml"] = "json" if path.suffix == ".json" else "yaml"
    try:
        document = parse_agreement(path.read_text(), fmt)
    except AgreementInvalid as exc:
        if as_json:  # the shape POST /v1/agreements answers 422 with
            fields = [{"field": p, "message": m} for p, m in exc.errors]
            typer.echo(orjson.dumps({"error": {"code": "invalid", "message": "the agreement is not valid",
                                               "fields": fields}}).decode())
        else:
            for where, message in exc.errors:
                typer.echo(f"{path}: {where}: {message}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(orjson.dumps({"valid": True, "name": document.name}).decode())
    else:
        typer.echo(f"{path}: valid ({document.name})")


@agreement_app.command("diff")
def agreement_diff(path: Path = typer.Argument(..., exists=True, dir_okay=False),
                   as_json: bool = typer.Option(False, "--json", help="JSON instead of lines")) -> None:
    """What FILE changes against the agreement in force (every leaf that differs, by path)."""
    import orjson

    from services.agreement.active import read_active
    from services.agreement.text import diff_agreements, dump_agreement

    document, _ = _read_agreement(path)

    async def active() -> "Any":
        conn = await connect(_settings().database_url)
        try:
            return await read_active(conn)
        finally:
            await conn.close()

    current = asyncio.run(active())
    before = dump_agreement(current.document) if current else {}
    changes = diff_agreements(before, dump_agreement(document))
    if as_json:
        typer.echo(orjson.dumps({"active_version": current.version if current else None, "changes": changes}).decode())
        return
    typer.echo(f"{path} against {'version ' + str(current.version) if current else 'no active version'}: "
               f"{len(changes)} change{'s' if len(changes) != 1 else ''}")
    for change in changes:
        typer.echo(f"  {change['path']}: {orjson.dumps(change['before']).decode()}"
                   f" -> {orjson.dumps(change['after']).decode()}")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="JSON instead of a table")) -> None:
    """Both services' readiness, lag per consumer group, dead letters, outboxes, the agreement in force."""
    import orjson
    from rich.console import Console
    from rich.table import Table

    from schemas.topics import Topic
    from services.router.config import (
        ACCOUNT_GROUP,
        CHANGES_GROUP,
        CRM_GROUP,
        DELIVERY_GROUP,
        QUALIFIED_GROUP,
        RouterSettings,
    )
    from services.scorer.config import CONSUMER_GROUP, FOLLOWUP_GROUP, INTENT_GROUP, ScorerSettings
    from services.shared.config import load_settings
    from services.shared.operations import gather_status, local_url

    groups = [(CONSUMER_GROUP, Topic.ENGAGEMENT), (FOLLOWUP_GROUP, Topic.FOLLOWUP), (QUALIFIED_GROUP, Topic.QUALIFIED),
              (CRM_GROUP, Topic.CRM_ACTIVITY), (CHANGES_GROUP, Topic.ENGAGEMENT),
              (f"{DELIVERY_GROUP}-routed", Topic.ROUTED), (f"{DELIVERY_GROUP}-followup", Topic.FOLLOWUP),
              (INTENT_GROUP, Topic.INTENT), (ACCOUNT_GROUP, Topic.ACCOUNT_QUALIFIED)]
    scorer, router = load_settings(ScorerSettings), load_settings(RouterSettings)
    urls = {"scorer": local_url(scorer.host, scorer.port), "router": local_url(router.host, router.port)}
    report = asyncio.run(gather_status(scorer, urls, groups))
    if as_json:
        typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        raise typer.Exit(0 if report["healthy"] else 1)
    console = Console()
    services = Table("service", "url", "ready", "detail", title="services")
    for name, s in report["services"].items():
        services.add_row(name, s["url"], "yes" if s["ready"] else "NO", s["detail"])
    console.print(services)
    lag = Table("consumer group", "topic", "lag", title="consumer lag")
    for g in report["consumer_groups"]:
        lag.add_row(g["group"], g["topic"], "no offsets yet" if g["lag"] is None else str(g["lag"]))
    console.print(lag)
    depth = Table("queue", "records", title="waiting")
    for name, n in {**report["dead_letters"], **report["outboxes"]}.items():
        depth.add_row(name, "unreadable" if n is None else str(n))
    console.print(depth)
    agreement = report["agreement"]
    in_force = "none" if agreement is None else f"v{agreement['version']} ({agreement['name']})"
    console.print(f"agreement in force: {in_force}; open overflow: {report['open_overflow']}")
    raise typer.Exit(0 if report["healthy"] else 1)


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


@agreement_app.command("suggest")
def agreement_suggest(
    since: str = typer.Option("180d", help="Leads first seen since: 180d, 26w or an ISO timestamp"),
    until: str = typer.Option(None, help="An ISO timestamp; default: now"),
    out: Path = typer.Option(Path("suggestion.yaml"), help="Where to write the draft"),
    per_week: float = typer.Option(None, help="Sales-ready leads per week; default: the commitment in force"),
    exclude: list[str] = typer.Option([], help="An attribute never to learn from (repeatable)"),
) -> None:
    """Learns a lead definition from won and lost leads, in this process: prints the report and writes the
    draft to --out, to backtest (`handoff agreement backtest FILE`) and post like any other."""

    import orjson
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from services.agreement.text import dump_agreement
    from services.scorer.config import ScorerSettings
    from services.scorer.suggestions.domain.guards import Refused
    from services.scorer.suggestions.jobs import draft_yaml
    from services.scorer.suggestions.run import run_suggestion
    from services.shared.config import load_settings
    from services.shared.db import create_pool

    settings = load_settings(ScorerSettings)
    start, end = _window(since, until)

    async def run() -> Any:
        pool = await create_pool(settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 2}))
        try:
            with Progress(transient=True) as progress:
                task = progress.add_task("suggesting", total=100)

                async def step(name: str, percent: float) -> None:
                    progress.update(task, description=name, completed=percent)

                return await run_suggestion(pool, start, end, per_week=per_week, exclude=exclude, on_step=step)
        finally:
            await pool.close()

    try:
        suggestion, base = asyncio.run(run())
    except Refused as exc:
        typer.echo(f"no suggestion ({exc.code}): {exc.message}", err=True)
        raise typer.Exit(3) from exc
    report = suggestion.report
    console = Console()
    table = Table(title=f"Suggested fit rules ({report['scale']}), from {report['outcomes']['known']} outcomes")
    for column in ("rule", "points", "support", "win rate"):
        table.add_column(column)
    for rule in report["rules"]:
        table.add_row(rule["label"], str(rule["points"]), str(rule["support"]), f"{rule['win_rate']:.0%}")
    for rule in report["disqualifiers"]:
        table.add_row(f"{rule['label']} (disqualifier)", "-", str(rule["support"]), "0%")
    console.print(table)
    quality = Table(title=f"Holdout: the latest {report['outcomes']['holdout']} outcomes")
    for column in ("", "ROC AUC", "lift top decile", "precision", "recall", "leads"):
        quality.add_column(column)
    for name, q in report["holdout_quality"].items():
        at = q["at_threshold"]
        quality.add_row(name if name != "active" else f"active (v{base})", str(q["roc_auc"]), str(q["lift_top_decile"]),
                        str(at["precision"]), str(at["recall"]), str(at["chosen"]))
    console.print(quality)
    typer.echo(orjson.dumps(report["thresholds"], option=orjson.OPT_INDENT_2).decode())
    typer.echo(f"newly qualified: {report['newly_qualified']['count']},"
               f" no longer qualified: {report['no_longer_qualified']['count']} (of the window's leads)")
    out.write_text(draft_yaml(dump_agreement(suggestion.document),
                              f"Suggested by `handoff agreement suggest --since {since}` from v{base}.\n"
                              f"Backtest it: handoff agreement backtest {out} --since {since}\n"
                              "Post it as a draft (ops): POST /v1/agreements; marketing and sales sign it."))
    typer.echo(f"draft written to {out}")


@agreement_app.command("suggest-job", hidden=True)
def agreement_suggest_job(job_id: str = typer.Argument(..., help="A row of scorer.suggestion_jobs")) -> None:
    """Runs one queued suggestion job (the scorer starts this for POST /v1/agreements/suggestions)."""
    import uuid

    from services.scorer.config import ScorerSettings
    from services.scorer.suggestions.jobs import run_job
    from services.shared.config import load_settings
    from services.shared.logs import configure_logging, secret_values

    settings = load_settings(ScorerSettings)
    configure_logging(settings.log_level, secret_values(settings))
    code = asyncio.run(run_job(settings, uuid.UUID(job_id)))
    if code:
        raise typer.Exit(code)


dlq_app = typer.Typer(help="Dead letters: what a consumer could not process, and replaying it after a fix.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

TOPIC_HELP = ("A contract topic (handoff.engagement.v1) or its short name: engagement, qualified, routed, crm,"
              " followup, intent")


def _contract_topic(name: str) -> str:
    from schemas.topics import Topic

    short = {"engagement": Topic.ENGAGEMENT, "qualified": Topic.QUALIFIED, "routed": Topic.ROUTED,
             "crm": Topic.CRM_ACTIVITY, "crm-activity": Topic.CRM_ACTIVITY, "followup": Topic.FOLLOWUP,
             "intent": Topic.INTENT, "account-qualified": Topic.ACCOUNT_QUALIFIED}
    topic = short.get(name) or next((t for t in Topic if t.value == name.removesuffix(".dlq")), None)
    if topic is None:
        raise typer.BadParameter(f"{name!r} is no contract topic; one of {', '.join(short)} or {', '.join(Topic)}")
    return topic.value


def _filter(since: str | None, error_matches: str | None,
            positions: list[str] | None = None) -> "DeadLetterFilter":
    from datetime import UTC, datetime

    from services.shared.dlq import DeadLetterFilter
    from services.shared.windows import parse_since

    try:
        start = parse_since(since, datetime.now(UTC)) if since else None
        chosen = frozenset(_position(p) for p in positions) if positions else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return DeadLetterFilter(start, error_matches, chosen)


def _position(text: str) -> tuple[int, int]:
    partition, _, offset = text.partition(":")
    if not (partition.isdigit() and offset.isdigit()):
        raise ValueError(f"{text!r} is not PARTITION:OFFSET")
    return int(partition), int(offset)


@dlq_app.command("list")
def dlq_list(
    topic: str = typer.Argument(None, help=TOPIC_HELP + "; none: every dead-letter topic and its depth"),
    since: str = typer.Option(None, help="Dead-lettered since: 30d, 12h, 90m or an ISO timestamp"),
    error_matches: str = typer.Option(None, "--error-matches", help="Only reasons containing this text (any case)"),
    limit: int = typer.Option(50, min=1, help="At most this many records"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
) -> None:
    """Lists dead letters: per topic the depth, or one topic's records with why each failed."""
    import orjson
    from rich.console import Console
    from rich.table import Table

    from schemas.topics import Topic, dlq_topic
    from services.shared.dlq import dead_letters, dlq_depths
    from services.shared.dlq_api import view

    settings = _settings()
    if topic is None:
        depths = asyncio.run(dlq_depths(settings, [settings.topic(t) for t in Topic]))
        if as_json:
            typer.echo(orjson.dumps({dlq_topic(t): n for t, n in depths.items()}).decode())
            return
        table = Table("dead-letter topic", "records")
        for name, n in depths.items():
            table.add_row(dlq_topic(name), str(n))
        Console().print(table)
        return
    which = _filter(since, error_matches)

    async def read() -> list["DeadLetterView"]:
        out = []
        async for letter in dead_letters(settings, settings.topic(_contract_topic(topic)), which):
            out.append(view(letter))
            if len(out) >= limit:
                break
        return out

    letters = asyncio.run(read())
    if as_json:
        for letter in letters:
            typer.echo(letter.model_dump_json(exclude={"value", "headers"}))
        return
    table = Table("partition:offset", "dead-lettered at", "key", "error", title=dlq_topic(settings.topic(
        _contract_topic(topic))))
    for letter in letters:
        table.add_row(f"{letter.partition}:{letter.offset}", letter.dead_lettered_at.isoformat(timespec="seconds"),
                      letter.key or "", letter.error[:120])
    Console().print(table)


@dlq_app.command("show")
def dlq_show(topic: str = typer.Argument(..., help=TOPIC_HELP),
             position: str = typer.Argument(..., help="PARTITION:OFFSET of the dead-letter record")) -> None:
    """Prints one dead letter: its headers and the record as produced."""
    import orjson

    from services.shared.dlq import dead_letters
    from services.shared.dlq_api import view

    settings = _settings()
    which = _filter(None, None, [position])

    async def read() -> list["DeadLetterView"]:
        return [view(letter) async for letter in dead_letters(settings, settings.topic(_contract_topic(topic)), which)]

    found = asyncio.run(read())
    if not found:
        typer.echo(f"no dead letter at {position}", err=True)
        raise typer.Exit(1)
    shown = found[0].model_dump(mode="json")
    if shown["value_encoding"] == "utf-8" and shown["value"] is not None:
        try:
            shown["value"] = orjson.loads(shown["value"])
        except orjson.JSONDecodeError:
            pass  # not JSON: shown as the text it is
    typer.echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())


@dlq_app.command("replay")
def dlq_replay(
    topic: str = typer.Argument(..., help=TOPIC_HELP),
    since: str = typer.Option(None, help="Only those dead-lettered since: 30d, 12h, 90m or an ISO timestamp"),
    error_matches: str = typer.Option(None, "--error-matches", help="Only reasons containing this text (any case)"),
    position: list[str] = typer.Option(None, "--position", help="Only PARTITION:OFFSET (repeatable)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be replayed, produce nothing"),
) -> None:
    """Produces the chosen dead letters to the topic they came from (same key, value and headers, plus
    a replay header). The consumers' inboxes apply each at most once, however often it is replayed."""
    from services.shared.dlq import replay

    settings = _settings()
    done = asyncio.run(replay(settings, settings.topic(_contract_topic(topic)), _filter(since, error_matches, position),
                              dry_run=dry_run))
    for r in done:
        to = f"{r.to_topic}" + (f" {r.to_partition}:{r.to_offset}" if r.to_offset is not None else "")
        typer.echo(f"{'would replay' if dry_run else 'replayed'} {r.letter.partition}:{r.letter.offset}"
                   f" -> {to}  ({r.letter.error[:80]})")
    typer.echo(f"{len(done)} {'to replay' if dry_run else 'replayed'}")


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
def demo(leads: int = typer.Option(1200, min=10, max=5000, help="How many leads the week brings"),
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
    typer.echo(f"money: {done['costs']} campaign cost rows; GET http://{host(router)}:{router.port}/v1/revenue"
               "?group_by=source shows pipeline, wins, cost and return")
    typer.echo(f"dashboard: http://{host(router)}:{router.port}/ui/#key={key}")


@app.command()
def review(week: str = typer.Option(None, help="ISO week, e.g. 2026-W48; default: the last week (agreement calendar)"),
           out: Path = typer.Option(Path(".run/reviews"), help="Folder for review-<week>.html and .pdf"),
           pdf: bool = typer.Option(True, help="Print the PDF too (headless Chromium: HANDOFF_REVIEW_CHROMIUM)"),
           ) -> None:
    """Writes the weekly review of one week as one page, HTML and PDF: funnel, SLA, commitments, rejections, money."""
    from datetime import UTC, datetime

    from services.router.config import RouterSettings
    from services.router.reporting.domain.review import parse_week
    from services.router.reporting.review_files import write_review
    from services.router.reporting.review_pdf import PdfUnavailable
    from services.shared.config import load_settings

    try:
        monday = parse_week(week) if week else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from exc
    try:
        files = asyncio.run(write_review(load_settings(RouterSettings), monday, out, datetime.now(UTC), pdf=pdf))
    except PdfUnavailable as exc:
        typer.echo(f"review: {exc}; --no-pdf writes the HTML only", err=True)
        raise typer.Exit(1) from exc
    h = files.review.summary()
    typer.echo(f"review {files.review.week}: {h.sales_ready} sales-ready, pipeline {h.pipeline_amount:,.2f} "
               f"{h.currency}, {h.won} won for {h.won_amount:,.2f} {h.currency}")
    typer.echo(f"html: {files.html}")
    if files.pdf:
        typer.echo(f"pdf:  {files.pdf}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
