"""Rep alerts as chat messages: a Slack incoming-webhook message or a Microsoft Teams message card. Pure.

A subscription's `format` chooses the body: `cloudevent` (the signed event, as before), `slack`
(`text` plus Block Kit `section` and `context` blocks) or `teams` (a legacy `MessageCard` with
facts and an `OpenUri` action, which Teams incoming webhooks and Power Automate's "post to a
channel when a webhook request is received" take). Each names the lead, the tier, the due time in
the rep's own time zone and links to the lead's timeline. Text from integrators (lead keys, rep
names, reasons) is escaped for Slack's mrkdwn (`&`, `<`, `>`); Teams renders facts as plain text.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Format = Literal["cloudevent", "slack", "teams"]
FORMATS: tuple[Format, ...] = ("cloudevent", "slack", "teams")
CHAT_FORMATS = frozenset({"slack", "teams"})
COLOURS = {"assigned": "2E7D32", "sla_warning": "F9A825", "sla_breached": "C62828", "reassigned": "1565C0"}


@dataclass(frozen=True)
class Alert:
    """One step of a lead's follow-up, as a rep or a manager reads it."""

    status: str  # assigned, sla_warning, sla_breached, reassigned, or another follow-up status
    lead_key: str
    rep_id: str | None
    rep_name: str | None
    tier: str | None
    due_at: datetime | None  # the first touch's due time
    time_zone: str | None  # the rep's
    timeline_url: str
    previous_rep_id: str | None = None
    reason: str | None = None


def timeline_url(public_url: str, lead_key: str) -> str:
    """The lead's timeline on the router's public address."""
    return f"{public_url.rstrip('/')}/v1/leads/{quote(lead_key, safe='@')}/timeline"


def due_in_zone(due_at: datetime | None, time_zone: str | None) -> str | None:
    """The due time as the rep reads it, e.g. "Mon 3 Mar 2031 09:30 CET (Europe/Berlin)"."""
    if due_at is None:
        return None
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone, time_zone = ZoneInfo("UTC"), "UTC"
    local = due_at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()} ({time_zone or 'UTC'})"


def _rep(alert: Alert) -> str:
    if alert.rep_name and alert.rep_name != alert.rep_id:
        return f"{alert.rep_name} ({alert.rep_id})"
    return alert.rep_id or "nobody"


def title(alert: Alert) -> str:
    """One line saying what happened to which lead."""
    lead = alert.lead_key
    return {
        "assigned": f"New lead for {_rep(alert)}: {lead}",
        "sla_warning": f"First touch due soon: {lead}",
        "sla_breached": f"First-touch SLA missed: {lead}",
        "reassigned": f"Lead reassigned to {_rep(alert)}: {lead}",
    }.get(alert.status, f"Lead {alert.status.replace('_', ' ')}: {lead}")


def facts(alert: Alert) -> list[tuple[str, str]]:
    """The details, in reading order; only those that are known."""
    shown = [("Lead", alert.lead_key), ("Rep", _rep(alert)), ("Tier", alert.tier or "none")]
    if (due := due_in_zone(alert.due_at, alert.time_zone)) is not None:
        shown.append(("First touch due", due))
    if alert.previous_rep_id:
        shown.append(("Previously", alert.previous_rep_id))
    if alert.reason:
        shown.append(("Why", alert.reason))
    return shown


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(alert: Alert) -> dict[str, Any]:
    """A Slack incoming-webhook body: `text` (notifications, fallback) and Block Kit blocks."""
    lines = "\n".join(f"*{name}:* {_mrkdwn(value)}" for name, value in facts(alert))
    return {
        "text": _mrkdwn(title(alert)),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_mrkdwn(title(alert))}*\n{lines}"}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"<{alert.timeline_url}|Open the lead's timeline> · Handoff"}]},
        ],
    }


def teams_card(alert: Alert) -> dict[str, Any]:
    """A Microsoft Teams message card (the connector format of incoming webhooks)."""
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": title(alert),
        "themeColor": COLOURS.get(alert.status, "616161"),
        "title": title(alert),
        "sections": [{"facts": [{"name": name, "value": value} for name, value in facts(alert)]}],
        "potentialAction": [{"@type": "OpenUri", "name": "Open the lead's timeline",
                             "targets": [{"os": "default", "uri": alert.timeline_url}]}],
    }


def render(fmt: str, alert: Alert) -> dict[str, Any]:
    """The body of a chat-format delivery."""
    return slack_message(alert) if fmt == "slack" else teams_card(alert)
