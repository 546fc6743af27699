"""Running and watching: serve, status, urls, demo, review."""

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from services.router.config import RouterSettings
    from services.scorer.config import ScorerSettings
    from services.shared.config import Settings


class Service(StrEnum):
    scorer = "scorer"
    router = "router"


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
