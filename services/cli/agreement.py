"""`handoff agreement`: bootstrap, validate, diff, backtest and suggest, offline or on the database."""

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from services.cli.common import base_settings
from services.shared.db import connect

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from datetime import datetime

    from services.agreement.document import AgreementDocument

agreement_app = typer.Typer(help="The shared lead definition and SLA rules.", no_args_is_help=True)


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
    typer.echo(asyncio.run(bootstrap_agreement(base_settings().database_url, path)))


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
        conn = await connect(base_settings().database_url)
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
