"""The demo's synthetic week is valid input for the public endpoints, and reproducible."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from schemas.events import CrmActivityRecorded, IntentRecorded
from schemas.messages import EngagementEvent
from services.agreement.document import AgreementDocument
from services.demo.cast import pools, reps, rules
from services.demo.leads import buying_group, cloud_events, demo_intent, demo_leads
from services.demo.money import RATES, REPORTING, campaign_costs, deal
from services.demo.outcomes import plan, win_rate
from services.router.routing.domain.rules import RuleSet
from services.router.salesops.models import PoolIn, RepIn
from services.router.salesops.money_models import CostIn
from services.scorer.integrations.intent_csv import parse_intent_csv
from services.scorer.scoring.domain.scoring import Touch, engagement
from tests.support.agreements import example_document

NOW = datetime(2026, 3, 4, 15, tzinfo=UTC)
REASONS = ["not the decision maker", "no budget", "no project or timing", "already a customer", "bad contact data",
           "competitor or partner"]


def test_a_dozen_reps_work_in_four_pools_under_managers_who_exist_before_them():
    bodies = [RepIn(**r) for r in reps()]
    pooled = {rep for p in pools().values() for rep in PoolIn(**p).members}
    assert len(pooled) == 12 and len(pools()) == 4
    seen = set()
    for rep in bodies:
        assert rep.manager_id is None or rep.manager_id in seen
        seen.add(rep.rep_id)


def test_the_rules_are_a_valid_rule_set_that_routes_every_lead_somewhere():
    rule_set = RuleSet(**rules())
    assert rule_set.rules[-1].is_catch_all and {r.target_pool for r in rule_set.rules} - {None} == set(pools())


def test_every_event_of_the_week_is_a_valid_engagement_from_the_past_seven_days():
    leads = demo_leads(random.Random(1), NOW, 200, "t1")
    adapter = TypeAdapter(EngagementEvent)
    events = [adapter.validate_python(e) for lead in leads for e in cloud_events(lead, "t1")]
    assert all(NOW - timedelta(days=7) < e.data.occurred_at < NOW for e in events)
    assert len({e.id for e in events}) == len(events)
    assert len({e.data.source for e in events}) >= 5 and len({e.data.campaign for e in events}) >= 6


def test_the_same_seed_gives_the_same_week():
    first = demo_leads(random.Random(7), NOW, 50, "t")
    again = demo_leads(random.Random(7), NOW, 50, "t")
    assert [(lead.email, lead.events) for lead in first] == [(lead.email, lead.events) for lead in again]


def test_leads_meant_for_sales_do_their_last_step_within_the_hour():
    for lead in demo_leads(random.Random(3), NOW, 200, "t"):
        if lead.profile in ("demo_request", "trial", "heavy"):
            assert NOW - datetime.fromisoformat(lead.events[-1]["occurred_at"]) < timedelta(hours=1)


def test_sales_touches_most_leads_and_rejects_only_with_the_agreements_reasons():
    rng = random.Random(5)
    plans = [plan(rng, f"l{i}", "demo-lena", "benchmark-report-2026", REASONS) for i in range(400)]
    outcome = Counter(p.decision for p in plans)
    assert {p.reason for p in plans if p.decision == "rejected"} <= set(REASONS)
    assert sum(p.touch is not None for p in plans) > 300 and outcome["rejected"] > 100 and outcome["accepted"] > 100
    assert all(p.steps() == (p.touch is not None) + (p.decision is not None) + p.converted + (p.closed is not None)
               for p in plans)


def test_a_reason_the_agreement_does_not_list_is_replaced_by_one_it_does():
    rng = random.Random(2)
    plans = [plan(rng, f"l{i}", "demo-lena", "partner-referrals", ["no budget"]) for i in range(200)]
    assert {p.reason for p in plans if p.decision == "rejected"} == {"no budget"}


def test_fintech_and_saas_companies_of_50_to_999_people_win_far_more_often():
    planted = win_rate({"industry": "fintech", "employees": 200})
    plain = win_rate({"industry": "retail", "employees": 5000})
    assert planted > 4 * plain
    assert win_rate({"industry": "saas", "employees": 3000}) == pytest.approx(2.5 * win_rate({}))


def test_the_demos_sales_outcomes_follow_the_leads_traits():
    rng = random.Random(8)
    strong = [plan(rng, f"s{i}", "demo-lena", None, REASONS, {"industry": "fintech", "employees": 300})
              for i in range(400)]
    weak = [plan(rng, f"w{i}", "demo-lena", None, REASONS, {"industry": "retail", "employees": 5000})
            for i in range(400)]

    def won_share(plans):
        closed = [p.closed for p in plans if p.closed]
        return closed.count("won") / len(closed)

    assert won_share(strong) > 0.7 > 0.3 > won_share(weak)


def test_every_deal_is_a_valid_priced_outcome_in_a_currency_the_demo_rates():
    for lead in demo_leads(random.Random(9), NOW, 200, "t"):
        opened, won, currency = deal(lead.email, lead.attributes)
        assert currency == REPORTING or currency in RATES
        for status, amount in (("converted", opened), ("won", won)):
            CrmActivityRecorded(activity_id="a", lead_key=lead.email, kind="status", status=status,
                                occurred_at=NOW, amount=amount, currency=currency)


def test_bigger_companies_bring_bigger_deals_and_the_same_lead_the_same_deal():
    small, big = deal("a@x.example", {"employees": 20}), deal("a@x.example", {"employees": 5000})
    assert small[0] < big[0] and small[2] == big[2] == "EUR"
    assert deal("a@x.example", {"employees": 20}) == small


def test_the_demo_reports_in_another_currency_when_the_deployment_does():
    assert deal("a@x.example", {"employees": 20, "country": "US"}, "CHF")[2] == "CHF"
    assert {row["currency"] for row in campaign_costs(NOW.date(), "CHF")} == {"CHF"}


def test_campaign_costs_are_valid_import_rows_for_this_month_and_the_last_and_include_a_podcast():
    rows = [CostIn(**r) for r in campaign_costs(NOW.date())]
    assert {(r.period_start.isoformat(), r.period_end.isoformat()) for r in rows} == {
        ("2026-02-01", "2026-02-28"), ("2026-03-01", "2026-03-31")}
    assert "podcast" in {r.source for r in rows}


def test_the_demo_intent_export_reads_as_valid_signals_for_the_weeks_companies():
    rng, now = random.Random(7), datetime(2026, 11, 30, 12, tzinfo=UTC)
    people = demo_leads(rng, now, 200, "t")
    rows = parse_intent_csv(demo_intent(rng, people, now), "bombora")
    companies = {p.email.rpartition("@")[2] for p in people}
    assert rows and {r["account"] for r in rows} <= companies
    assert all(0 <= IntentRecorded.model_validate(r).strength <= 100 for r in rows)


def test_one_lead_in_fifty_is_a_buying_groups_contact_one_per_persona_of_a_fitting_company():
    people = demo_leads(random.Random(4), NOW, 1200, "t")
    contacts = [p for p in people if p.profile == "buying_group"]
    assert len(people) == 1200 and len(contacts) == 24
    by_account = Counter(p.email.rpartition("@")[2] for p in contacts)
    assert set(by_account.values()) == {3}
    titles = {p.attributes["title"] for p in contacts}
    assert titles == {"VP Sales", "Sales Manager", "Software Engineer"}  # decision maker, champion, evaluator
    assert all(50 <= p.attributes["employees"] < 1000 for p in contacts)


def test_a_buying_groups_contacts_are_not_ready_alone_but_pass_the_groups_line_together():
    doc = AgreementDocument.model_validate(example_document())
    group = buying_group(random.Random(6), NOW, "t")

    def own(lead) -> float:
        touches = [Touch(f"{lead.email}{i}", e["activity"], datetime.fromisoformat(e["occurred_at"]), e.get("url"))
                   for i, e in enumerate(lead.events)]
        return engagement(doc, touches, NOW).points

    points = [own(lead) for lead in group]
    assert all(p < doc.sales_ready.tiers[-1].min_engagement for p in points)
    assert sum(points) >= doc.buying_group.min_engagement
