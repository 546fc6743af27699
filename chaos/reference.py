"""What the scorer must have stored, computed from the generated input with the pure domain.

Mirrors services/scorer/scoring/handlers.py with the replay (the scoring engine's test oracle): the
lead's touches evaluated at its latest event's time, nothing recycled (the CRM phase starts after scoring settled), and
an account share of 0 (no two generated leads share an account).
"""

from dataclasses import dataclass

from chaos.generate import Engagement, Lead
from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.scoring import Evaluation, LeadProfile, Touch, evaluate, fit
from services.shared.conditions import evaluate as check


@dataclass(frozen=True)
class Expected:
    """One lead's expected score, and whether it must, may or must not have been handed over."""

    lead_key: str
    events: int
    evaluation: Evaluation
    qualifies: str  # "yes" (sales-ready at the end), "no" (no batch could make it so), "maybe"


def _touch(e: Engagement) -> Touch:
    return Touch(event_key=e.dedupe_key, activity=e.activity, occurred_at=e.occurred_at,
                 url=e.url, form=e.form, campaign=e.campaign)


def _ceiling(doc: AgreementDocument, touches: list[Touch]) -> float:
    """Engagement no subset of the touches can exceed: every positive rule's full points, no caps, no decay."""
    total = 0.0
    for t in touches:
        fields = {"url": t.url, "form": t.form, "campaign": t.campaign}
        rule = next((r for r in doc.engagement.rules if r.activity == t.activity
                     and all(_matches(c, fields) for c in r.when)), None)
        total += max(rule.points, 0.0) if rule else 0.0
    return total


def _matches(condition, fields: dict) -> bool:
    return check(condition, fields).matched


def _possible(doc: AgreementDocument, lead: Lead, touches: list[Touch]) -> bool:
    """Whether any batch (any subset of the touches) could have made the lead sales-ready."""
    fitted = fit(doc, LeadProfile(email=lead.key, attributes=lead.attributes))
    if fitted.disqualified:
        return False
    activities = {t.activity for t in touches}
    if any(f.activity in activities and fitted.points >= f.min_fit for f in doc.sales_ready.fast_track):
        return True
    ceiling = _ceiling(doc, touches)
    return any(fitted.points >= t.min_fit and ceiling >= t.min_engagement for t in doc.sales_ready.tiers)


def expected_scores(doc: AgreementDocument, leads: list[Lead], events: dict[str, list[Engagement]]
                    ) -> dict[str, Expected]:
    """Each lead's evaluation over its distinct valid events, as the scorer's last batch for it computes it."""
    out: dict[str, Expected] = {}
    for lead in leads:
        touches = [_touch(e) for e in events[lead.key]]
        at = max(t.occurred_at for t in touches)
        result = evaluate(doc, LeadProfile(email=lead.key, attributes=lead.attributes), touches, at, 0.0)
        qualifies = "yes" if result.sales_ready else ("maybe" if _possible(doc, lead, touches) else "no")
        out[lead.key] = Expected(lead.key, len(touches), result, qualifies)
    return out
