"""In-process doubles of the scorer's repositories for service tests (no Kafka, no SQL)."""

from dataclasses import fields, replace

from services.scorer.scoring.domain.lifecycle import LeadStage
from services.scorer.scoring.scores import AccountRow, LeadRow, TouchRow
from services.scorer.scoring.store import Recorded

_LEAD_ROW = [f.name for f in fields(LeadRow)]
_STAGE = [f.name for f in fields(LeadStage)]


class RecordingStore:
    """Plays both repositories over one dict per scorer.leads row, as the SQL would."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.touches: dict[str, list[TouchRow]] = {}
        self.identities: dict[tuple[str, str], str] = {}  # (source, external id) -> lead key
        self.scores, self.marks, self.outbox = {}, [], []
        self.signals: dict[str, list] = {}  # account key -> intent signals (domain.intent.Signal)
        self.account_states: dict[str, AccountRow] = {}

    async def record_engagements(self, events, keys):
        fresh, created = set(), set()
        stored = {t.event_key for touches in self.touches.values() for t in touches}
        for e in events:
            key, d = keys[e.dedupe_key], e.data
            if key not in self.rows:
                created.add(key)
            row = self.rows.setdefault(key, {
                "lead_key": key, "email": d.email, "attributes": {}, "lifecycle": "engaged", "qualified_at": None,
                "qualification_id": None, "account_key": None, "recycled_at": None, "recycle_count": 0,
                "engagement_since": None, "requalify_after": None, "last_engaged_at": d.occurred_at,
                "score_state": None, "score_state_version": None, "score_state_since": None})
            row["attributes"] = {**row["attributes"], **d.attributes}
            row["last_engaged_at"] = max(row["last_engaged_at"], d.occurred_at)
            if e.dedupe_key in stored:
                continue  # the events table's primary key
            stored.add(e.dedupe_key)
            fresh.add(e.dedupe_key)
            self.touches.setdefault(key, []).append(TouchRow(key, e.dedupe_key, d.activity, d.occurred_at,
                                                             d.url, d.form, d.campaign, d.source))
        return Recorded(fresh=fresh, created=created)

    async def known_identities(self, pairs):
        return {p: self.identities[p] for p in pairs if p in self.identities}

    async def link_identity(self, source, external_id, lead_key):
        previous = self.identities.get((source, external_id))
        self.identities[(source, external_id)] = lead_key
        return previous if previous and previous != lead_key else f"{source}:{external_id}"

    async def merge_lead(self, old_key, new_key):
        old = self.rows.pop(old_key, None)
        if old is None:
            return False
        moved = [replace(t, lead_key=new_key) for t in self.touches.pop(old_key, [])]
        merged = self.touches.get(new_key, []) + moved
        self.touches[new_key] = sorted(merged, key=lambda t: (t.occurred_at, t.event_key))
        self.identities = {pair: new_key if key == old_key else key for pair, key in self.identities.items()}
        self.scores.pop(old_key, None)
        new = self.rows[new_key]
        new["attributes"] = {**old["attributes"], **new["attributes"]}
        return True

    async def leads_for(self, keys):
        return {k: LeadRow(**{f: self.rows[k][f] for f in _LEAD_ROW}) for k in keys if k in self.rows}

    async def history(self, since):
        return {k: sorted((t for t in self.touches.get(k, []) if s is None or t.occurred_at > s),
                          key=lambda t: (t.occurred_at, t.event_key)) for k, s in since.items()}

    async def accounts(self, keys):
        return {k: self.account_states.get(k) or AccountRow(
            k, None, None, 0.0, sum(1 for r in self.rows.values() if r["account_key"] == k)) for k in keys}

    async def contacts(self, account_key):
        return {k: LeadRow(**{f: r[f] for f in _LEAD_ROW}) for k, r in self.rows.items()
                if r["account_key"] == account_key}

    async def change_accounts(self, version, half_life_days, changes):
        for c in changes:  # the SQL re-expresses deltas at the row's landmark; the tests' deltas share one
            row = self.account_states.get(c.account_key)
            if c.replace or row is None or row.landmark_us is None:
                total, landmark = c.delta, c.landmark_us
            else:
                total, landmark = row.total + c.delta * 2 ** (((c.landmark_us or row.landmark_us) - row.landmark_us)
                                                              / (half_life_days * 86_400e6)) if half_life_days \
                    else row.total + c.delta, row.landmark_us
            self.account_states[c.account_key] = AccountRow(c.account_key, version, landmark, total, 0)

    async def save_states(self, version, states):
        for k, (state, since) in states.items():
            self.rows[k].update(score_state=state, score_state_version=version, score_state_since=since)

    async def intent_signals(self, accounts):
        return {a: list(self.signals[a]) for a in accounts if a in self.signals}

    async def save_scores(self, rows, marks=()):
        self.scores.update({r.lead_key: r for r in rows})
        for r in rows:
            self.rows[r.lead_key].update(lifecycle=r.lifecycle, account_key=r.account_key, score_state=r.state,
                                         score_state_version=r.agreement_version, score_state_since=r.state_since)
        self.marks += marks
        for m in marks:
            self.rows[m.lead_key].update(lifecycle="sales_ready", qualified_at=m.qualified_at,
                                         qualification_id=m.qualification_id)

    async def stages(self, keys):
        return {k: LeadStage(**{f: self.rows[k][f] for f in _STAGE}) for k in keys if k in self.rows}

    async def save_stages(self, stages):
        for s in stages:
            row = self.rows[s.lead_key]
            row.update({f: getattr(s, f) for f in _STAGE})
            if s.qualified_at is None:
                row["qualification_id"] = None

    async def add_outbox(self, messages):
        self.outbox += messages


class ScoresView:
    """The ScoresRepository face of the store."""

    def __init__(self, store: RecordingStore) -> None:
        self.store = store
        self.leads = store.leads_for
        self.history = store.history
        self.known_identities = store.known_identities
        self.link_identity = store.link_identity
        self.merge_lead = store.merge_lead
        self.accounts = store.accounts
        self.contacts = store.contacts
        self.change_accounts = store.change_accounts
        self.save_states = store.save_states
        self.save_scores = store.save_scores
        self.intent_signals = store.intent_signals
