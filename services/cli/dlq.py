"""`handoff dlq`: list, show and replay dead letters."""

import asyncio
from typing import TYPE_CHECKING

import typer

from services.cli.common import base_settings

if TYPE_CHECKING:  # imported where used, so a command loads only what it needs
    from services.shared.dlq import DeadLetterFilter
    from services.shared.dlq_api import DeadLetterView

dlq_app = typer.Typer(help="Dead letters: what a consumer could not process, and replaying it after a fix.",
                      no_args_is_help=True)

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

    settings = base_settings()
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

    settings = base_settings()
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

    settings = base_settings()
    done = asyncio.run(replay(settings, settings.topic(_contract_topic(topic)), _filter(since, error_matches, position),
                              dry_run=dry_run))
    for r in done:
        to = f"{r.to_topic}" + (f" {r.to_partition}:{r.to_offset}" if r.to_offset is not None else "")
        typer.echo(f"{'would replay' if dry_run else 'replayed'} {r.letter.partition}:{r.letter.offset}"
                   f" -> {to}  ({r.letter.error[:80]})")
    typer.echo(f"{len(done)} {'to replay' if dry_run else 'replayed'}")
