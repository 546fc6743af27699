"""Account engagement from per-account forward-decayed sums (DESIGN §8): each account keeps the sum
of its contacts' own sums; a lead's "other contacts" are the account's sum minus its own, decayed
to the time it is scored at. One event changes its account by one delta, whatever the account's size."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from services.agreement.active import Versioned
from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.engine import LeadState, decayed, own_sum, to_json
from services.scorer.scoring.ports import ScoreStore
from services.scorer.scoring.scores import AccountChange, AccountRow, LeadRow
from services.scorer.scoring.states import Stepped, rebuild, scored_at, stored_state

DAY_US = 86_400_000_000
REBASE_HALF_LIVES = 64  # as the engine re-bases a lead's sums: far from 2^1024


@dataclass
class _Sum:
    landmark_us: int | None
    total: float


def _landmark(*candidates: int | None) -> int | None:  # any landmark will do; the first one found
    return next((c for c in candidates if c is not None), None)


async def _rebuilt_account(scores: ScoreStore, active: Versioned, key: str, batch: Mapping[str, LeadState],
                           members: set[str], rebuilt: Callable[[str], None]) -> _Sum:
    """An account summed afresh over every contact (once per account and version, or for an account
    stored before its sums were kept): the batch's members with their new states, the others as
    stored, rebuilt when their state is of another version or cut (and kept)."""
    doc, version = active.document, active.version
    contacts = await scores.contacts(key)
    states = {k: s for k, lead in contacts.items() if k not in batch
              and (s := stored_state(lead, version)) is not None and lead.score_state_since == lead.engagement_since}
    stale = [k for k in contacts if k not in batch and k not in states]
    if stale:
        states.update(await rebuild(scores, active, contacts, stale))
        await scores.save_states(version, {k: (to_json(states[k]), contacts[k].engagement_since) for k in stale})
        for _ in stale:
            rebuilt("account")
    states.update({k: batch[k] for k in members})
    landmark = _landmark(*(s.landmark_us for s in states.values()))
    total = sum(own_sum(doc, s, landmark) for s in states.values()) if landmark is not None else 0.0
    return _Sum(landmark, total)


async def account_engagement(scores: ScoreStore, active: Versioned, leads: Mapping[str, LeadRow],
                             stepped: Stepped, accounts: Mapping[str, str],
                             rebuilt: Callable[[str], None]) -> dict[str, float]:
    """Moves each account by its contacts' deltas of this batch and returns, per lead, the decayed
    engagement of the other contacts of its account at the time it is scored."""
    doc, version = active.document, active.version
    if not doc.engagement.account.enabled:
        return {}
    involved = set(accounts.values()) | {a for k, lead in leads.items() if (a := lead.account_key)}
    rows = await scores.accounts(involved)
    members: dict[str, set[str]] = {}
    for lead_key, account in accounts.items():
        members.setdefault(account, set()).add(lead_key)
    sums: dict[str, _Sum] = {}
    changes: list[AccountChange] = []
    for key in sorted(involved):
        row = rows.get(key) or AccountRow(key, None, None, 0.0, 0)
        if row.agreement_version == version or (row.agreement_version is None and row.contacts == 0):
            sums[key] = _Sum(row.landmark_us, row.total)
        else:  # another version's sums, or contacts stored before sums were kept: sum it afresh
            sums[key] = await _rebuilt_account(scores, active, key, stepped.now, members.get(key, set()), rebuilt)
            changes.append(AccountChange(key, sums[key].landmark_us, sums[key].total, replace=True))
    fresh = {c.account_key for c in changes}
    deltas: dict[str, _Sum] = {}  # per account, one delta (at one landmark): a row changes once per statement
    for lead_key, lead in leads.items():
        new_account, old_account = accounts.get(lead_key), lead.account_key
        now, before = stepped.now[lead_key], stepped.before[lead_key]
        if old_account and old_account not in fresh and before is not None:
            _add(doc, sums[old_account], deltas.setdefault(old_account, _Sum(None, 0.0)), before, -1.0)
        if new_account and new_account not in fresh:
            _add(doc, sums[new_account], deltas.setdefault(new_account, _Sum(None, 0.0)), now, 1.0)
    for key, delta in deltas.items():
        changes.append(_rebased(doc, key, sums[key], delta) if _far(doc, sums[key], delta)
                       else AccountChange(key, delta.landmark_us, delta.total))
    out: dict[str, float] = {}
    for lead_key, account in accounts.items():
        state, at = stepped.now[lead_key], scored_at(leads[lead_key], stepped.now[lead_key])
        acct = sums[account]
        own = decayed(doc, own_sum(doc, state, state.landmark_us), state.landmark_us, at) \
            if state.landmark_us is not None else 0.0
        out[lead_key] = decayed(doc, acct.total, acct.landmark_us, at) - own
    await scores.change_accounts(version, doc.engagement.half_life_days, changes)
    return out


def _far(doc: AgreementDocument, acct: _Sum, delta: _Sum) -> bool:
    """Whether the account's landmark lags so far behind that its sum nears float overflow."""
    half_life = doc.engagement.half_life_days
    if not half_life or acct.landmark_us is None or delta.landmark_us is None:
        return False
    return (delta.landmark_us - acct.landmark_us) / (half_life * DAY_US) > REBASE_HALF_LIVES


def _rebased(doc: AgreementDocument, key: str, acct: _Sum, delta: _Sum) -> AccountChange:
    """The account's running sum (this batch included) moved to the batch's landmark, stored whole."""
    assert acct.landmark_us is not None and delta.landmark_us is not None
    total = decayed(doc, acct.total, acct.landmark_us, datetime.fromtimestamp(delta.landmark_us / 1e6, UTC))
    acct.landmark_us, acct.total = delta.landmark_us, total
    return AccountChange(key, delta.landmark_us, total, replace=True)


def _add(doc: AgreementDocument, acct: _Sum, delta: _Sum, state: LeadState, sign: float) -> None:
    """Adds (sign -1: takes away) a lead's own sum to its account's running sum and to the batch's delta."""
    if state.landmark_us is None:
        return  # nothing counted yet; the (empty) delta still marks the account as kept
    for target in (acct, delta):
        if target.landmark_us is None:
            target.landmark_us = state.landmark_us
        target.total += sign * own_sum(doc, state, target.landmark_us)
