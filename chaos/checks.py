"""The verdicts of a run: what the database and the topics hold against what was sent."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson
from aiokafka.structs import ConsumerRecord

from chaos.crm import CrmPlan
from chaos.generate import Workload
from chaos.kafka_io import GroupLag, header
from chaos.reference import Expected

EXAMPLES = 5  # violations shown per check
WANTED = {"yes": "1", "no": "0", "maybe": "<= 1"}  # qualifications per lead, by the reference's verdict
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Check:
    """One row of the verdict: expected, actual, and up to five violations."""

    name: str
    expected: str
    actual: str
    passed: bool
    examples: tuple[str, ...] = ()


@dataclass
class Observed:
    """What the run left behind, read once after everything settled."""

    stored_events: dict[str, str]  # event key -> lead key (scorer.engagement_events)
    applied: int  # the scorer's inbox entries for engagement
    scores: dict[str, dict]  # lead key -> scorer.lead_scores row
    lifecycles: dict[str, str]  # lead key -> scorer.leads.lifecycle
    first_assignments: dict[str, list[str]]  # qualification id -> attempt-1 assignment ids
    overflow: set[str]  # qualification ids parked in router.overflow
    crm_activities: set[str]  # router.crm_activities ids
    outbox: int  # rows left in both outboxes
    qualified: list[ConsumerRecord]
    routed: list[ConsumerRecord]
    followup: list[ConsumerRecord]
    dead_letters: dict[str, list[ConsumerRecord]]  # DLQ topic -> records
    engagement_topic: str
    lags: list[GroupLag]
    exited: list[str]
    extra: dict = field(default_factory=dict)


def _body(record: ConsumerRecord) -> dict:
    return orjson.loads(record.value)


def _by_id(records: Iterable[ConsumerRecord]) -> dict[str, list[ConsumerRecord]]:
    out: dict[str, list[ConsumerRecord]] = defaultdict(list)
    for r in records:
        out[_body(r)["id"]].append(r)
    return out


def _n(value: int) -> str:
    return f"{value:,}"


def _check(name: str, expected: str, actual: str, violations: list[str]) -> Check:
    return Check(name, expected, actual, not violations, tuple(violations[:EXAMPLES]))


def stored_once(w: Workload, o: Observed) -> Check:
    """(1) The stored event keys are exactly the generated valid ones: none lost, none extra."""
    wanted = {e.dedupe_key for e in w.events}
    missing, extra = sorted(wanted - o.stored_events.keys()), sorted(o.stored_events.keys() - wanted)
    return _check("valid events stored, each once", _n(len(wanted)),
                  f"{_n(len(o.stored_events))} ({len(missing)} missing, {len(extra)} unexpected)",
                  [f"missing {k}" for k in missing] + [f"unexpected {k}" for k in extra])


def applied_once(w: Workload, o: Observed) -> Check:
    """(1) The scorer's inbox applied each distinct event once, whichever path and copy brought it."""
    bad = [] if o.applied == len(w.events) else [f"inbox holds {o.applied}, sent {len(w.events)} distinct"]
    return _check("valid events applied once (inbox)", _n(len(w.events)), _n(o.applied), bad)


def per_lead(w: Workload, expected: dict[str, Expected], o: Observed) -> Check:
    """(1) Each lead holds as many events as were generated for it."""
    stored = Counter(o.stored_events.values())
    bad = [f"{k}: stored {stored.get(k, 0)}, sent {e.events}" for k, e in expected.items()
           if stored.get(k, 0) != e.events]
    return _check("events per lead", f"{_n(len(expected))} leads match", f"{_n(len(expected) - len(bad))} match", bad)


def _score_diff(e: Expected, row: dict | None) -> str | None:
    if row is None:
        return "no score"
    r = e.evaluation
    for name, want in (("fit", r.fit), ("engagement", r.engagement), ("account_engagement", r.account_engagement)):
        if abs(row[name] - want) > TOLERANCE:
            return f"{name} {row[name]} != {want}"
    for name, want in (("sales_ready", r.sales_ready), ("tier", r.tier), ("reason", r.reason),
                       ("disqualified", r.disqualified)):
        if row[name] != want:
            return f"{name} {row[name]!r} != {want!r}"
    return None


def scores(expected: dict[str, Expected], o: Observed) -> Check:
    """(1) Each lead's stored score is the reference computation's: every event counted exactly once."""
    bad = [f"{k}: {d}" for k, e in expected.items() if (d := _score_diff(e, o.scores.get(k)))]
    return _check("scores equal the reference", f"{_n(len(expected))} leads", f"{_n(len(expected) - len(bad))} equal",
                  bad)


def qualifications(expected: dict[str, Expected], o: Observed) -> Check:
    """(2) Distinct qualification ids per lead on the qualified topic, against the reference's verdict."""
    ids: dict[str, set[str]] = defaultdict(set)
    for qid, records in _by_id(o.qualified).items():
        ids[_body(records[0])["data"]["lead_key"]].add(qid)
    bad, kinds = [], Counter(e.qualifies for e in expected.values())
    for key, e in expected.items():
        n = len(ids.get(key, ()))
        if (e.qualifies == "yes" and n != 1) or (e.qualifies == "no" and n) or n > 1:
            bad.append(f"{key}: {n} qualifications, expected {WANTED[e.qualifies]}")
    bad += [f"{k}: qualified but never sent" for k in ids.keys() - expected.keys()]
    maybe = sum(1 for k, e in expected.items() if e.qualifies == "maybe" and ids.get(k))
    return _check("qualified once per sales-ready lead",
                  f"1 x {_n(kinds['yes'])}, 0 x {_n(kinds['no'])}, <=1 x {_n(kinds['maybe'])}",
                  f"{_n(len(ids))} leads qualified ({maybe} of the <=1)", bad)


def decided_once(o: Observed) -> Check:
    """(2) Each qualification has exactly one attempt-1 assignment or one overflow row."""
    qids = set(_by_id(o.qualified))
    bad = []
    for qid in sorted(qids):
        n = len(o.first_assignments.get(qid, ())) + (qid in o.overflow)
        if n != 1:
            bad.append(f"{qid}: {n} attempt-1 assignments/overflow rows")
    bad += [f"{q}: decided, not on the qualified topic" for q in (o.first_assignments.keys() | o.overflow) - qids]
    return _check("each qualification assigned or parked once", _n(len(qids)),
                  f"{_n(len(o.first_assignments))} assigned, {_n(len(o.overflow))} overflow", bad)


def routed_once(o: Observed) -> Check:
    """(2) One routed event id per assigned qualification (a re-published copy keeps its id)."""
    per_qualification: dict[str, set[str]] = defaultdict(set)
    for rid, records in _by_id(o.routed).items():
        per_qualification[_body(records[0])["data"]["qualification_id"]].add(rid)
    assigned = set(o.first_assignments)
    bad = [f"{q}: {len(per_qualification.get(q, ()))} routed events" for q in sorted(assigned)
           if len(per_qualification.get(q, ())) != 1]
    bad += [f"{q}: routed without an assignment" for q in per_qualification.keys() - assigned]
    copies = len(o.routed) - sum(len(v) for v in per_qualification.values())
    return _check("one routed event per assigned qualification", _n(len(assigned)),
                  f"{_n(len(per_qualification))} ({copies} re-published copies)", bad)


def _step(data: dict) -> tuple:
    """What makes a follow-up step distinct (a timer's steps also by their due time and reason)."""
    return (data["lead_key"], data.get("assignment_id"), data["status"], data.get("activity_id"), data.get("reason"),
            data.get("sla_due_at"), data["occurred_at"] if data["status"] in ("sla_warning",) else None)


def followups_unique(o: Observed) -> Check:
    """(3) No follow-up step announced under two ids, and no id with two payloads."""
    by_id = _by_id(o.followup)
    bad = [f"id {i}: {len(rs)} different payloads" for i, rs in by_id.items() if len({r.value for r in rs}) > 1]
    steps: dict[tuple, set[str]] = defaultdict(set)
    for i, rs in by_id.items():
        steps[_step(_body(rs[0])["data"])].add(i)
    bad += [f"{step[2]} of {step[0]} announced under {len(ids)} ids" for step, ids in steps.items() if len(ids) > 1]
    copies = len(o.followup) - len(by_id)
    return _check("no follow-up step twice, no id reused", "1 id per step, 1 payload per id",
                  f"{_n(len(by_id))} ids ({copies} re-published copies)", bad)


def followup_steps(plan: CrmPlan, o: Observed) -> Check:
    """(3) As many assigned/overflow steps as decisions, and the steps the CRM activities call for."""
    counted = Counter(_body(rs[0])["data"]["status"] for rs in _by_id(o.followup).values())
    wanted = Counter({"assigned": len(o.first_assignments), "overflow": len(o.overflow), **plan.expected()})
    bad = [f"{s}: {counted.get(s, 0)} != {n}" for s, n in sorted(wanted.items()) if counted.get(s, 0) != n]
    shown = ", ".join(f"{s} {n}" for s, n in sorted(wanted.items()) if n)
    return _check("follow-up steps of routing and CRM", shown,
                  ", ".join(f"{s} {counted.get(s, 0)}" for s, n in sorted(wanted.items()) if n), bad)


def crm_recorded(plan: CrmPlan, o: Observed) -> Check:
    """(3) Each CRM activity id recorded once, whether it came over HTTP, Kafka, or both."""
    wanted = {a.activity_id for a in plan.activities}
    bad = [f"missing {a}" for a in sorted(wanted - o.crm_activities)]
    bad += [f"unexpected {a}" for a in sorted(o.crm_activities - wanted)]
    return _check("CRM activities recorded once", _n(len(wanted)), _n(len(o.crm_activities)), bad)


def lifecycles(expected: dict[str, Expected], plan: CrmPlan, o: Observed) -> Check:
    """Every lead where the follow-up loop leaves it: nurture, routed, touched, accepted or recycled."""
    qualified = {_body(rs[0])["data"]["lead_key"]: q for q, rs in _by_id(o.qualified).items()}
    statuses: dict[str, set[str]] = defaultdict(set)
    for a in plan.activities:
        statuses[a.lead_key].add(a.body.get("status") or "touched")
    bad = []
    for key, e in expected.items():
        if key not in qualified:
            want = "disqualified" if e.evaluation.disqualified else "engaged"
        elif qualified[key] in o.overflow:
            want = "sales_ready"
        else:
            done = statuses.get(key, set())
            want = ("recycled" if "rejected" in done else "accepted" if "accepted" in done
                    else "touched" if done else "routed")
        if o.lifecycles.get(key) != want:
            bad.append(f"{key}: {o.lifecycles.get(key)}, expected {want}")
    shown = Counter(o.lifecycles.get(k) for k in expected)
    return _check("lead lifecycles follow the loop", f"{_n(len(expected))} leads",
                  ", ".join(f"{s} {n}" for s, n in sorted(shown.items(), key=lambda p: str(p[0]))), bad)


def poison_dead_lettered(w: Workload, o: Observed) -> Check:
    """(4) Each poison record on the engagement DLQ, naming its topic and a reason."""
    dlq = [r for r in o.dead_letters.get(f"{o.engagement_topic}.dlq", [])]
    found = {r.key for r in dlq if r.key in w.poison_keys and (header(r, "dlq.error") or "").strip()
             and header(r, "dlq.original.topic") == o.engagement_topic}
    bad = [f"{k.decode()} ({w.poison_keys[k]}) not dead-lettered with a reason"
           for k in sorted(w.poison_keys.keys() - found)]
    return _check("poison records in the DLQ with a reason", _n(len(w.poison_keys)), _n(len(found)), bad)


def nothing_else_dead_lettered(w: Workload, o: Observed) -> Check:
    """(4) No DLQ holds anything but the poison: a valid record there is a lost event."""
    bad = [f"{topic}: {r.key!r}: {(header(r, 'dlq.error') or '')[:160]}" for topic, records in o.dead_letters.items()
           for r in records if r.key not in w.poison_keys]
    total = sum(len(v) for v in o.dead_letters.values())
    return _check("no valid record dead-lettered", "0", _n(len(bad)) + f" (of {_n(total)} DLQ records)", bad)


def zero_lag(o: Observed) -> Check:
    """(5) Every consumer group of the run committed everything."""
    bad = [f"{g.group}: lag {g.lag}" for g in o.lags if g.lag]
    return _check("consumer lag, all groups", "0", _n(sum(g.lag for g in o.lags)) + f" over {len(o.lags)} groups", bad)


def outbox_drained(o: Observed) -> Check:
    """(5) Nothing left unpublished in either outbox."""
    return _check("outboxes drained", "0", _n(o.outbox), [f"{o.outbox} rows unpublished"] if o.outbox else [])


def processes_alive(o: Observed) -> Check:
    """No service process ended on its own."""
    return _check("service processes running", "4", str(4 - len(o.exited)), [f"exited: {e}" for e in o.exited])


def run_checks(w: Workload, expected: dict[str, Expected], plan: CrmPlan, o: Observed) -> list[Check]:
    """Every check, in the order of the table."""
    steps: list[Callable[[], Check]] = [
        lambda: stored_once(w, o), lambda: applied_once(w, o), lambda: per_lead(w, expected, o),
        lambda: scores(expected, o), lambda: qualifications(expected, o), lambda: decided_once(o),
        lambda: routed_once(o), lambda: followups_unique(o), lambda: followup_steps(plan, o),
        lambda: crm_recorded(plan, o), lambda: lifecycles(expected, plan, o), lambda: poison_dead_lettered(w, o),
        lambda: nothing_else_dead_lettered(w, o), lambda: zero_lag(o), lambda: outbox_drained(o),
        lambda: processes_alive(o),
    ]
    return [step() for step in steps]
