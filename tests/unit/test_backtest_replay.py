"""The backtest's stepping (backtest/domain/replay.py) on small in-memory streams, one behaviour each."""

import copy
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import ActivityKind as A
from services.agreement.document import AgreementDocument
from services.scorer.backtest.domain.replay import Backtest, StoredTouch, compare
from services.scorer.scoring.domain.engine import apply, decayed, empty, evaluate_state, own_sum
from services.scorer.scoring.domain.scoring import LeadProfile, Touch, account_key, engagement, evaluate, fit

EXAMPLE = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text())
FITTING = {"company": "Acme GmbH", "employees": 200, "industry": "software", "country": "DE", "title": "VP Sales"}
SINCE = datetime(2030, 3, 4, 0, 0, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
_keys = count()


def _doc(**changes: Any) -> AgreementDocument:
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for p in parents:
            target = target[p]
        target[last] = value
    return AgreementDocument.model_validate(data)


EXAMPLE_DOC = _doc()


def _pricing_worth_50() -> AgreementDocument:
    """The draft of tests/e2e/test_backtest.py: a pricing page view is worth 50 (cap 100)."""
    rules = copy.deepcopy(EXAMPLE["engagement"]["rules"])
    for rule in rules:
        if rule["id"] == "pricing_page":
            rule["points"], rule["cap"]["points"] = 50, 100
    return _doc(engagement__rules=rules)


def _touch(lead: str, activity: A, at: datetime, source: str = "api", **fields: str) -> StoredTouch:
    return StoredTouch(lead, Touch(f"e{next(_keys):06d}", activity, at, fields.get("url"), fields.get("form"),
                                   fields.get("campaign")), source)


def _profile(email: str, **attributes: Any) -> LeadProfile:
    return LeadProfile(email=email, attributes={**FITTING, **attributes})


def _run(stream: list[StoredTouch], profiles: dict[str, LeadProfile], *docs: AgreementDocument) -> Backtest:
    backtest = Backtest([(d, i + 1) for i, d in enumerate(docs or (EXAMPLE_DOC,))], SINCE, UNTIL)
    for key in backtest.unknown(e.lead_key for e in stream):
        backtest.add_lead(key, profiles[key])
    for event in sorted(stream, key=lambda e: (e.touch.occurred_at, e.touch.event_key)):
        backtest.step(event)
    return backtest


def _at(hours: float) -> datetime:
    return SINCE + timedelta(hours=hours)


def test_a_lead_qualifies_once_at_the_first_event_after_which_it_is_sales_ready():
    ada = "ada@acme-one.com"
    stream = [_touch(ada, A.WEBINAR_ATTENDED, _at(1)),  # 15
              _touch(ada, A.FORM_SUBMIT, _at(2), form="Contact us"),  # + 30: warm (40)
              _touch(ada, A.DEMO_REQUEST, _at(3))]  # would be hot by fast track: too late, it is handed over
    q = _run(stream, {ada: _profile(ada)}).qualified(0)[ada]
    assert (q.qualified_at, q.tier, q.reason) == (_at(2), "warm", "threshold:warm")


def test_touches_before_since_count_but_only_qualifications_inside_the_window_are_reported():
    ada, bob = "ada@acme-two.com", "bob@bob-two.com"
    stream = [_touch(ada, A.WEBINAR_ATTENDED, SINCE - timedelta(days=1)),  # before the window: 15, decaying
              _touch(ada, A.FORM_SUBMIT, _at(1), form="Contact us"),  # ~44.7 with it
              _touch(bob, A.DEMO_REQUEST, SINCE - timedelta(hours=1)),  # qualified before the window
              _touch(bob, A.DEMO_REQUEST, _at(2))]
    backtest = _run(stream, {ada: _profile(ada), bob: _profile(bob)})
    assert list(backtest.qualified(0)) == [ada]
    assert backtest.ever_qualified(0, bob)


def test_nothing_at_or_after_until_is_a_qualification():
    ada = "ada@acme-three.com"
    backtest = Backtest([(EXAMPLE_DOC, 1)], SINCE, UNTIL)
    backtest.add_lead(ada, _profile(ada))
    backtest.step(_touch(ada, A.DEMO_REQUEST, UNTIL))  # the stream stops before until; at until is outside
    assert backtest.qualified(0) == {}
    assert backtest.leads_replayed == 0


def test_a_colleagues_engagement_lifts_a_lead_over_the_line():
    ada, bob = "ada@acme-four.com", "bob@acme-four.com"
    stream = [_touch(ada, A.WEBINAR_ATTENDED, _at(1)), _touch(ada, A.FORM_SUBMIT, _at(2), form="Contact us"),
              _touch(bob, A.WEBINAR_ATTENDED, _at(3)),  # 15 + 0.5 · ~45 < 40
              _touch(bob, A.CONTENT_DOWNLOAD, _at(4))]  # 23 + 0.5 · ~45 >= 40: warm, thanks to Ada
    profiles = {ada: _profile(ada), bob: _profile(bob)}
    shared = _run(stream, profiles).qualified(0)
    assert (shared[bob].qualified_at, shared[bob].reason) == (_at(4), "threshold:warm")
    alone = _run(stream, profiles, _doc(engagement__account={"enabled": False, "weight": 0.5})).qualified(0)
    assert bob not in alone and ada in alone


def test_contacts_of_other_companies_share_nothing():
    ada, bob = "ada@acme-five.com", "bob@other-five.com"
    stream = [_touch(ada, A.WEBINAR_ATTENDED, _at(1)), _touch(ada, A.FORM_SUBMIT, _at(2), form="Contact us"),
              _touch(bob, A.WEBINAR_ATTENDED, _at(3)), _touch(bob, A.CONTENT_DOWNLOAD, _at(4))]
    assert list(_run(stream, {ada: _profile(ada), bob: _profile(bob)}).qualified(0)) == [ada]


def test_qualifications_equal_scoring_every_prefix_with_the_other_contacts_engagement():
    # The oracle: each event scored by scoring.evaluate over the lead's touches so far, with the other
    # contacts' engagement at that time (each replayed in full), as the live scorer defines it.
    company = "acme-six.com"
    leads = [f"{name}@{company}" for name in ("ada", "bob", "cy")] + ["dee@dee-six.com"]
    plan = [(0, A.WEBINAR_ATTENDED, 0), (1, A.PAGE_VIEW, 5), (2, A.EMAIL_CLICK, 9), (0, A.CONTENT_DOWNLOAD, 30),
            (1, A.WEBINAR_ATTENDED, 50), (3, A.WEBINAR_ATTENDED, 51), (2, A.WEBINAR_ATTENDED, 70),
            (1, A.CONTENT_DOWNLOAD, 90), (3, A.CONTENT_DOWNLOAD, 100), (2, A.CONTENT_DOWNLOAD, 140),
            (0, A.EMAIL_CLICK, 150), (3, A.FORM_SUBMIT, 200)]
    stream = [_touch(leads[i], activity, _at(h), url="https://acme.example/docs") for i, activity, h in plan]
    profiles = {k: _profile(k) for k in leads}
    expected: dict[str, tuple[datetime, str | None, str | None]] = {}
    for n, event in enumerate(stream):
        key, at = event.lead_key, event.touch.occurred_at
        if key in expected:
            continue
        so_far = stream[: n + 1]
        others = sum(engagement(EXAMPLE_DOC, [e.touch for e in so_far if e.lead_key == k], at).points
                     for k in leads if k != key and k.endswith(company) and key.endswith(company))
        result = evaluate(EXAMPLE_DOC, profiles[key], [e.touch for e in so_far if e.lead_key == key], at, others)
        if result.sales_ready:
            expected[key] = (at, result.tier, result.reason)
    got = {k: (q.qualified_at, q.tier, q.reason) for k, q in _run(stream, profiles).qualified(0).items()}
    assert len(expected) >= 2 and got == expected


def test_a_disqualified_lead_never_qualifies():
    eve = "eve@eve-seven.com"
    backtest = _run([_touch(eve, A.DEMO_REQUEST, _at(1))], {eve: _profile(eve, title="Student")})
    assert backtest.qualified(0) == {}


def test_fast_track_qualifies_with_the_events_source_and_campaign():
    ada = "ada@acme-eight.com"
    q = _run([_touch(ada, A.DEMO_REQUEST, _at(1), source="hubspot", campaign="spring")],
             {ada: _profile(ada)}).qualified(0)[ada]
    assert (q.tier, q.reason, q.source, q.campaign) == ("hot", "fast_track:demo_request", "hubspot", "spring")


def test_both_versions_step_in_one_pass_and_the_report_lists_what_differs():
    ada, bob = "ada@acme-nine.com", "bob@bob-nine.com"
    stream = [_touch(ada, A.PAGE_VIEW, _at(1), source="mautic", url="https://a.example/pricing"),
              _touch(bob, A.TRIAL_STARTED, _at(2))]
    backtest = _run(stream, {ada: _profile(ada), bob: _profile(bob)}, _pricing_worth_50(), EXAMPLE_DOC)
    report = compare(backtest, {ada: ("rejected", "no budget")})
    assert (report["draft"]["sales_ready"], report["active"]["sales_ready"]) == (2, 1)
    assert report["newly_qualified"] == [ada] and report["no_longer_qualified"] == []
    assert report["newly_qualified_outcomes"] == {"known": 1, "by_status": {"rejected": 1},
                                                  "rejection_reasons": {"no budget": 1}}
    assert report["draft"]["by_source"] == {"mautic": 1, "api": 1}
    assert [q["lead_key"] for q in report["qualifications"]["active"]] == [bob]


def test_without_an_active_version_every_draft_qualification_is_new():
    ada = "ada@acme-ten.com"
    report = compare(_run([_touch(ada, A.DEMO_REQUEST, _at(1))], {ada: _profile(ada)}), {})
    assert report["newly_qualified"] == [ada] and report["active"]["sales_ready"] == 0


def test_a_lead_handed_over_before_the_window_under_one_version_is_not_new_under_the_other():
    ada = "ada@acme-eleven.com"
    stream = [_touch(ada, A.PAGE_VIEW, SINCE - timedelta(hours=1), url="https://a.example/pricing"),  # draft: warm
              _touch(ada, A.DEMO_REQUEST, _at(1))]  # the active version: hot, inside the window
    report = compare(_run(stream, {ada: _profile(ada)}, _pricing_worth_50(), EXAMPLE_DOC), {})
    assert [q["lead_key"] for q in report["qualifications"]["active"]] == [ada]
    assert report["qualifications"]["draft"] == []
    assert (report["newly_qualified"], report["no_longer_qualified"]) == ([], [])


def test_leads_replayed_counts_the_leads_with_an_event_in_the_window():
    ada, bob = "ada@acme-twelve.com", "bob@bob-twelve.com"
    stream = [_touch(ada, A.EMAIL_OPEN, SINCE - timedelta(days=3)), _touch(bob, A.EMAIL_OPEN, _at(1))]
    backtest = _run(stream, {ada: _profile(ada), bob: _profile(bob)})
    assert (backtest.leads_replayed, backtest.events) == (1, 2)


def test_a_lead_without_an_account_keeps_no_state_once_it_has_qualified():
    ada = "ada@gmail.com"  # free mail: no account
    backtest = _run([_touch(ada, A.DEMO_REQUEST, _at(1))], {ada: _profile(ada)})
    assert ada in backtest.qualified(0) and backtest.states_kept() == 0


def test_a_qualified_contact_keeps_its_state_for_its_account():
    ada, bob = "ada@acme-thirteen.com", "bob@acme-thirteen.com"
    stream = [_touch(ada, A.DEMO_REQUEST, _at(1)),  # 50: hot by fast track
              _touch(ada, A.WEBINAR_ATTENDED, _at(2)),  # 15 after her qualification
              _touch(bob, A.CONTENT_DOWNLOAD, _at(3))]  # 8 + 0.5 · ~65 >= 40; without the webinar 8 + 25 < 40
    backtest = _run(stream, {ada: _profile(ada), bob: _profile(bob)})
    assert backtest.qualified(0)[bob].qualified_at == _at(3)


# --- the shortcuts (evaluating only leads that may be over the line, packed states, one fit for equal fit
# sections) against the plain stepping: every lead evaluated after every event, states kept as objects ---

class _Plain:
    """The backtest as first written: per lead and version a LeadState, evaluated at every event."""

    def __init__(self, docs: list[AgreementDocument]) -> None:
        self.docs = docs
        self.accounts: list[dict[str, list]] = [{} for _ in docs]  # account -> [landmark_us, total]
        self.leads: dict[str, tuple[str | None, list]] = {}
        self.qualified: list[dict[str, tuple]] = [{} for _ in docs]

    def add_lead(self, key: str, profile: LeadProfile) -> None:
        account = account_key(profile)
        self.leads[key] = (account, [[fit(d, profile), empty(i), None] for i, d in enumerate(self.docs)])

    def step(self, event: StoredTouch) -> None:
        account, steps = self.leads[event.lead_key]
        at = event.touch.occurred_at
        for i, (doc, step) in enumerate(zip(self.docs, steps)):
            fit_result, state, qualified_at = step
            shared = account if doc.engagement.account.enabled else None
            acct = self.accounts[i].setdefault(shared, [None, 0.0]) if shared is not None else None
            before = own_sum(doc, state, acct[0]) \
                if acct is not None and acct[0] is not None and state.landmark_us is not None else 0.0
            apply(doc, state, event.touch)
            if acct is not None and state.landmark_us is not None:
                if acct[0] is None:
                    acct[0] = state.landmark_us
                acct[1] = acct[1] - before + own_sum(doc, state, acct[0])
            if fit_result.disqualified or qualified_at is not None:
                continue
            others = 0.0
            if acct is not None and state.landmark_us is not None:
                own = decayed(doc, own_sum(doc, state, state.landmark_us), state.landmark_us, at)
                others = decayed(doc, acct[1], acct[0], at) - own
            result = evaluate_state(doc, state, fit_result, at, others)
            if result.sales_ready:
                step[2] = at
                if SINCE <= at < UNTIL:
                    self.qualified[i][event.lead_key] = (at, result.tier, result.reason, event.source)


_DOCS = {
    "example": EXAMPLE_DOC,
    "pricing_50": _pricing_worth_50(),
    "no_account": _doc(engagement__account={"enabled": False, "weight": 0.5}),
    "low_bar": _doc(sales_ready__tiers=[{"name": "hot", "min_fit": 60, "min_engagement": 12},
                                        {"name": "warm", "min_fit": 0, "min_engagement": 0}]),
    "no_decay_high_fit": _doc(engagement__half_life_days=None,
                              sales_ready__tiers=[{"name": "hot", "min_fit": 90, "min_engagement": 20}]),
}
_PROFILES = [
    {}, {"title": "Student"}, {"employees": 3}, {"title": "Engineer", "industry": "retail", "country": "BR"},
    {"employees": 8000, "title": "CEO"}, {"employees": "lots"},
]
_EMAILS = ["ada@acme-prop.com", "bob@acme-prop.com", "cy@acme-prop.com", "dee@dee-prop.com", "eve@gmail.com",
           "fay@acme-prop.com"]
_ACTIVITIES_DRAWN = [A.PAGE_VIEW, A.PAGE_VIEW, A.EMAIL_OPEN, A.EMAIL_CLICK, A.PRICING_VIEW, A.FORM_SUBMIT,
                     A.CONTENT_DOWNLOAD, A.WEBINAR_ATTENDED, A.TRIAL_STARTED, A.DEMO_REQUEST, A.UNSUBSCRIBED,
                     A.EMAIL_BOUNCED]
_events = st.tuples(st.integers(0, len(_EMAILS) - 1), st.sampled_from(_ACTIVITIES_DRAWN),
                    st.floats(-400, 200), st.sampled_from([None, "https://a.example/pricing", "https://a.example/x"]),
                    st.sampled_from([None, "Contact us", "Newsletter"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(_events, max_size=40), st.lists(st.sampled_from(range(len(_PROFILES))), min_size=6, max_size=6),
       st.sampled_from(sorted(_DOCS)), st.sampled_from(sorted(_DOCS)))
def test_the_shortcuts_qualify_exactly_as_evaluating_every_lead_at_every_event(events, profile_ids, first, second):
    docs = [_DOCS[first], _DOCS[second]]
    profiles = {email: _profile(email, **_PROFILES[p]) for email, p in zip(_EMAILS, profile_ids)}
    stream = sorted((_touch(_EMAILS[i], activity, _at(hours), url=url, form=form)
                     for i, activity, hours, url, form in events),
                    key=lambda e: (e.touch.occurred_at, e.touch.event_key))
    fast, plain = _run(stream, profiles, *docs), _Plain(docs)
    for email, profile in profiles.items():
        plain.add_lead(email, profile)
    for event in stream:
        plain.step(event)
    for i in range(len(docs)):
        got = {k: (q.qualified_at, q.tier, q.reason, q.source) for k, q in fast.qualified(i).items()}
        assert got == plain.qualified[i]
        assert {k for k in _EMAILS if fast.ever_qualified(i, k)} == \
               {k for k, (_, steps) in plain.leads.items() if steps[i][2] is not None}
