"""Scorer message handlers: one async function per message kind."""

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import LeadFollowup, LeadQualified, ScoreContribution
from schemas.messages import EngagementEvent, FollowupEvent, QualifiedEvent
from services.agreement.active import CurrentAgreement, Versioned
from services.agreement.handoff_sections import Recycle
from services.scorer.scoring.accounts import account_engagement
from services.scorer.scoring.buying_groups import GroupStore, Member, qualify_accounts
from services.scorer.scoring.domain.accounts import persona_of
from services.scorer.scoring.domain.engine import evaluate_state, to_json
from services.scorer.scoring.domain.intent import intent_points
from services.scorer.scoring.domain.lifecycle import QUALIFIED_STAGES, follow_all, may_qualify
from services.scorer.scoring.domain.scoring import Evaluation, LeadProfile, Touch, account_key, fit
from services.scorer.scoring.fit_cache import FitCache
from services.scorer.scoring.identity import link_identities, resolve_lead_keys
from services.scorer.scoring.ports import LeadStore, ScoreStore
from services.scorer.scoring.scores import LeadRow, QualificationMark, ScoreRow, TouchRow
from services.scorer.scoring.states import scored_at, step_states
from services.shared.ids import derived_id
from services.shared.outbox import OutboxMessage

log = logging.getLogger(__name__)


def _no_rebuild_count(reason: str) -> None:
    return None


@dataclass(frozen=True)
class ScoringContext:
    """What the handler needs besides the repositories."""

    qualified_topic: str
    source: str
    agreement: CurrentAgreement  # the active version, read per batch
    fit_cache: FitCache | None = None  # per process; None computes fit every time
    rebuilt: Callable[[str], None] = _no_rebuild_count  # counts a lead rebuilt from its history, by reason
    account_topic: str = ""  # handoff.account.qualified, with the deployment's prefix


def _touch(t: TouchRow) -> Touch:
    return Touch(t.event_key, t.activity, t.occurred_at, t.url, t.form, t.campaign)


def _event_touch(e: EngagementEvent) -> Touch:
    d = e.data
    return Touch(e.dedupe_key, d.activity, d.occurred_at, d.url, d.form, d.campaign)


def _lifecycle(lead: LeadRow, result: Evaluation) -> str:
    if lead.qualified_at is not None or lead.lifecycle in QUALIFIED_STAGES:
        return lead.lifecycle
    if result.disqualified:
        return "disqualified"
    return "recycled" if lead.lifecycle == "recycled" else "engaged"  # recycled stays so until it requalifies


def _fresh_touches(events: Sequence[EngagementEvent], keys: Mapping[str, str],
                   fresh: set[str]) -> dict[str, list[Touch]]:
    """The batch's newly stored touches per lead, in timeline order."""
    out: dict[str, list[Touch]] = {}
    for e in events:
        if e.dedupe_key in fresh:
            out.setdefault(keys[e.dedupe_key], []).append(_event_touch(e))
    for touches in out.values():
        touches.sort(key=lambda t: (t.occurred_at, t.event_key))
    return out


async def engagement_recorded(
    repo: LeadStore,
    scores: ScoreStore,
    events: Sequence[EngagementEvent],
    ctx: ScoringContext,
    groups: GroupStore | None = None,
) -> list[QualifiedEvent]:
    """Stores engagement, steps the touched leads' scoring state, and qualifies those that crossed the line.

    In order, one event costs one engine step whatever the lead's history; a late event, a new
    agreement version, a recycle or an identity merge rebuilds that one lead from its history.
    """
    keys = await resolve_lead_keys(scores, events)
    recorded = await repo.record_engagements(events, keys)
    merged = await link_identities(scores, events)
    if merged:
        keys = await resolve_lead_keys(scores, events)  # a merge moved an anonymous lead
    active = ctx.agreement()
    if active is None:
        return []  # nothing decides sales-readiness yet: engagement is kept for when one does
    leads = await scores.leads(sorted(set(keys.values())))
    stepped = await step_states(scores, active, leads, _fresh_touches(events, keys, recorded.fresh),
                                recorded.created, set(merged), ctx.rebuilt)
    profiles = {k: LeadProfile(email=lead.email, attributes=lead.attributes) for k, lead in leads.items()}
    accounts = {k: a for k, p in profiles.items() if (a := account_key(p))}
    others = await account_engagement(scores, active, leads, stepped, accounts, ctx.rebuilt)
    intent = active.document.intent
    signals = await scores.intent_signals(set(accounts.values())) if intent.rules else {}
    latest = {keys[e.dedupe_key]: e for e in sorted(events, key=lambda e: e.data.occurred_at)}
    grouping = groups if active.document.buying_group.tier is not None else None  # None: no buying groups
    rows, emitted, members = [], [], []
    account_now: dict[str, tuple[datetime, float]] = {}  # account -> (its latest contact's time, engagement then)
    for key, lead in leads.items():
        state = stepped.now[key]
        at = scored_at(lead, state)
        fitted = (ctx.fit_cache.fit(active.version, active.document, profiles[key]) if ctx.fit_cache
                  else fit(active.document, profiles[key]))
        account_intent = intent_points(intent, signals.get(accounts.get(key, ""), ()), at)
        result = evaluate_state(active.document, state, fitted, at, others.get(key, 0.0), account_intent)
        newly = result.sales_ready and may_qualify(lead.lifecycle, lead.qualified_at, lead.requalify_after, at)
        rows.append(ScoreRow(
            lead_key=key, agreement_version=active.version, fit=result.fit, engagement=result.engagement,
            account_engagement=result.account_engagement, disqualified=result.disqualified,
            sales_ready=result.sales_ready, tier=result.tier, reason=result.reason,
            explanation=[{"rule": c.rule, "points": c.points} for c in result.explanation],
            mismatches=list(result.mismatches), scored_at=at, account_key=accounts.get(key),
            lifecycle="sales_ready" if newly else _lifecycle(lead, result),
            state=to_json(state), state_since=lead.engagement_since,
        ))
        if newly and key in latest:
            emitted.append(_qualified(latest[key], key, lead, result, active.version, ctx.source))
        if grouping is not None and (account := accounts.get(key)) is not None:  # buying groups only: personas cost
            members.append(Member(account, key, persona_of(active.document, profiles[key]), result.fit,
                                  result.disqualified is not None, at))
            now_value = (at, others.get(key, 0.0) + result.engagement + intent.weight * account_intent)
            account_now[account] = max(account_now.get(account, now_value), now_value, key=lambda p: p[0])
    await scores.save_scores(rows, [QualificationMark(e.data.lead_key, e.id, e.data.qualified_at, active.version)
                                    for e in emitted])
    await repo.add_outbox([OutboxMessage(ctx.qualified_topic, e.data.lead_key, e) for e in emitted])
    if grouping is not None:
        triggers = {a: latest[k] for k, a in accounts.items() if k in latest}
        engaged = {a: value for a, (_, value) in account_now.items()}
        ready = await qualify_accounts(grouping, active, members, engaged, triggers, ctx.source)
        await repo.add_outbox([OutboxMessage(ctx.account_topic, e.data.account_key, e) for e in ready])
    return emitted


async def followup_recorded(repo: LeadStore, events: Sequence[FollowupEvent],
                            active: Versioned | None) -> None:
    """Moves known leads along the follow-up loop, and returns recycled ones to nurture."""
    policy = active.document.recycle if active else Recycle()  # no agreement yet: the defaults
    by_lead: dict[str, list[LeadFollowup]] = {}
    for e in events:
        by_lead.setdefault(e.data.lead_key, []).append(e.data)
    stages = await repo.stages(sorted(by_lead))
    for key in by_lead.keys() - stages.keys():
        # The router may route leads it got elsewhere; they are none of the scorer's business.
        log.debug("follow-up for a lead the scorer does not know", extra={"lead_key": key})
    changed = [after for key, stage in stages.items()
               if (after := follow_all(stage, by_lead[key], policy)) != stage]
    if changed:
        await repo.save_stages(changed)


def _qualified(trigger: EngagementEvent, key: str, lead: LeadRow, result: Evaluation, version: int,
               source: str) -> QualifiedEvent:
    data = trigger.data
    return QualifiedEvent(
        id=derived_id(trigger.dedupe_key, f"qualified:v{version}"), source=source, subject=key,
        time=data.occurred_at,
        data=LeadQualified(
            lead_key=key, email=lead.email, source=data.source, campaign=data.campaign,
            qualified_at=data.occurred_at, reason=result.reason or "sales_ready", tier=result.tier or "",
            fit_score=round(result.fit, 4), engagement_score=round(result.engagement + result.account_engagement, 4),
            agreement_version=version,
            explanation=tuple(ScoreContribution(rule=c.rule, points=round(c.points, 4)) for c in result.explanation),
            attributes=lead.attributes,
        ),
    )
