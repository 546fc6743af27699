"""Re-routing on change: an engagement event that changes a field the rules read, for a routed lead
no rep has touched yet, decides the lead again; a different route moves it (`lead_changed`)."""

from collections.abc import Sequence
from dataclasses import replace

from schemas.events import LeadQualified
from schemas.messages import EngagementEvent
from services.router.events import RoutingContext
from services.router.routing.deciding import decide_for
from services.router.routing.domain.changes import changed_fields, fields_read, moves
from services.router.routing.handlers import lead_facts, reassign
from services.router.routing.ports import Assignments, RoutingState

LEAD_CHANGED = "lead_changed"


async def lead_fields_changed(repo: Assignments, state: RoutingState, events: Sequence[EngagementEvent],
                              ctx: RoutingContext) -> None:
    """Keeps each untouched assignment's lead fields current, and moves the lead when the fields the
    rules read now route it to someone else: the old timers cancelled, new ones started."""
    updates = [(e.data.lead_key, e.data.attributes) for e in events if e.data.attributes]
    if not updates:
        return
    # Most events repeat what the lead's assignment holds (or have none untouched): found by one
    # unlocked read, they cost no lock and no write. A lead is looked at only if one of its updates
    # differs from what was stored before the batch; any later change in the batch follows one.
    stored = await repo.untouched_fields({key for key, _ in updates})
    changing = {key for key, attributes in updates if key in stored and changed_fields(stored[key], attributes)}
    if not changing:
        return
    held = {a.lead_key: a for a in await repo.untouched_assignments(changing)}
    if not held:
        return
    _, rules = await state.current_rules(ctx.default_pool)
    read = fields_read(rules)
    for lead_key, attributes in updates:
        current = held.get(lead_key)
        if current is None:
            continue
        q = LeadQualified.model_validate(current.qualification)
        changed = changed_fields(q.attributes, attributes)
        if not changed:
            continue
        q = q.model_copy(update={"attributes": {**q.attributes, **attributes}})
        stored = q.model_dump(mode="json")
        await repo.update_qualification(current.assignment_id, stored)
        held[lead_key] = replace(current, qualification=stored)
        if not changed & read:
            continue
        at = ctx.now()
        decision, _ = await decide_for(state, lead_facts(q), at, default_pool=ctx.default_pool, lock=True)
        if not moves(decision, current.rule, current.pool_id, current.rep_id):
            continue
        await repo.cancel_open_timers(current.assignment_id, at)
        await reassign(repo, state, q, current.qualification_id, LEAD_CHANGED, ctx)
        del held[lead_key]  # the new assignment starts from these fields; later events wait for the next batch
