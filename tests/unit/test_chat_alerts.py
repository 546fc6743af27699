"""Rep alerts as Slack messages and Teams cards: what they say, and that they keep each service's rules."""

import json
from datetime import UTC, datetime

import pytest

from services.router.deliveries.domain.chat import Alert, due_in_zone, render, slack_message, teams_card, timeline_url
from tests.support.chat_shapes import slack_problems, teams_problems

DUE = datetime(2031, 3, 3, 8, 30, tzinfo=UTC)
LINK = timeline_url("https://handoff.example.com/", "ada@example.com")


def _alert(status="assigned", **changes):
    fields = {"status": status, "lead_key": "ada@example.com", "rep_id": "rep-bo", "rep_name": "Bo", "tier": "hot",
              "due_at": DUE, "time_zone": "Europe/Berlin", "timeline_url": LINK, **changes}
    return Alert(**fields)


def test_the_due_time_is_shown_in_the_reps_time_zone():
    assert due_in_zone(DUE, "Europe/Berlin") == "Mon 3 Mar 2031 09:30 CET (Europe/Berlin)"
    assert due_in_zone(DUE, "America/New_York") == "Mon 3 Mar 2031 03:30 EST (America/New_York)"


def test_an_unknown_time_zone_falls_back_to_utc():
    assert due_in_zone(DUE, "Mars/Olympus") == "Mon 3 Mar 2031 08:30 UTC (UTC)"


def test_the_timeline_link_is_on_the_public_address():
    assert LINK == "https://handoff.example.com/v1/leads/ada@example.com/timeline"


def test_a_slack_assignment_names_the_lead_the_rep_the_tier_the_due_time_and_links_the_timeline():
    message = slack_message(_alert())
    assert message["text"] == "New lead for Bo (rep-bo): ada@example.com"
    section = message["blocks"][0]["text"]["text"]
    assert "*Tier:* hot" in section and "*First touch due:* Mon 3 Mar 2031 09:30 CET (Europe/Berlin)" in section
    assert f"<{LINK}|Open the lead's timeline>" in message["blocks"][1]["elements"][0]["text"]


def test_a_teams_reassignment_says_who_had_it_and_why():
    card = teams_card(_alert("reassigned", previous_rep_id="rep-ada", reason="sla_breached"))
    facts = {f["name"]: f["value"] for f in card["sections"][0]["facts"]}
    assert card["title"] == "Lead reassigned to Bo (rep-bo): ada@example.com"
    assert (facts["Previously"], facts["Why"], facts["Tier"]) == ("rep-ada", "sla_breached", "hot")
    assert card["potentialAction"][0]["targets"] == [{"os": "default", "uri": LINK}]


@pytest.mark.parametrize(("status", "title"), [
    ("sla_warning", "First touch due soon: ada@example.com"),
    ("sla_breached", "First-touch SLA missed: ada@example.com"),
    ("rep_unavailable", "Lead rep unavailable: ada@example.com"),
])
def test_each_status_has_its_own_title(status, title):
    assert slack_message(_alert(status))["text"] == title


def test_text_from_integrators_is_escaped_for_slack():
    message = slack_message(_alert(lead_key="<!channel>&co@example.com", rep_name="<b>"))
    assert "<!channel>" not in json.dumps(message) and "&lt;!channel&gt;&amp;co@example.com" in message["text"]


@pytest.mark.parametrize("status", ["assigned", "sla_warning", "sla_breached", "reassigned", "touched"])
def test_every_message_keeps_the_services_rules(status):
    alert = _alert(status, previous_rep_id="rep-ada", reason="sla_breached", due_at=None)
    assert slack_problems(json.dumps(render("slack", alert))) == []
    assert teams_problems(json.dumps(render("teams", alert))) == []
