"""The CRM activities that follow the routed leads: first touches, accepts and rejects, some sent twice."""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

CRM_TYPE = "handoff.crm.activity"
CRM_SOURCE = "chaos/crm"
TOUCH_KINDS = (("call", 6), ("email", 3), ("meeting", 1))


@dataclass(frozen=True)
class Routed:
    """A routed lead as `handoff.lead.routed` announced it."""

    lead_key: str
    rep_id: str
    assignment_id: str
    qualification_id: str


@dataclass(frozen=True)
class Activity:
    """One CRM activity as the API takes it; `path` is how it is sent (http or kafka)."""

    body: dict
    path: str
    copy: bool = False  # a resend of an activity id already planned

    @property
    def activity_id(self) -> str:
        return self.body["activity_id"]

    @property
    def lead_key(self) -> str:
        return self.body["lead_key"]

    def cloudevent(self) -> bytes:
        """The Kafka-direct form: a structured CloudEvent whose id is the activity id."""
        return orjson.dumps({"specversion": "1.0", "id": self.activity_id, "source": CRM_SOURCE, "type": CRM_TYPE,
                             "subject": self.lead_key, "data": self.body})


@dataclass
class CrmPlan:
    """The CRM activities of phase 2, and the follow-up steps they must cause."""

    activities: list[Activity]  # in send order, copies included

    def expected(self) -> Counter:
        """The follow-up steps the distinct activities must announce, by status."""
        distinct = {a.activity_id: a.body for a in self.activities}
        steps: Counter = Counter()
        steps["touched"] = len({b["lead_key"] for b in distinct.values()})  # one first touch per assignment
        for body in distinct.values():
            if body.get("status") == "accepted":
                steps["accepted"] += 1
            elif body.get("status") == "rejected":
                steps["rejected"] += 1
                steps["recycled"] += 1
        return steps

    @property
    def distinct(self) -> int:
        return len({a.activity_id for a in self.activities})


def plan_crm(routed: list[Routed], reasons: tuple[str, ...], *, seed: int, at: datetime,
             duplicate_share: float) -> CrmPlan:
    """For most routed leads a first touch at `at`, then for some an accept or a reject a second later."""
    rng = random.Random(seed * 7919 + 1)
    planned: list[Activity] = []
    for n, r in enumerate(sorted(routed, key=lambda r: r.lead_key)):
        if rng.random() >= 0.85:
            continue  # never touched within the run
        base = {"lead_key": r.lead_key, "rep_id": r.rep_id}
        kind = rng.choices([k for k, _ in TOUCH_KINDS], [w for _, w in TOUCH_KINDS])[0]
        planned.append(Activity({"activity_id": f"crm-s{seed}-{n:06d}-t", "kind": kind,
                                 "occurred_at": at.isoformat(), **base}, _path(rng)))
        decision = rng.random()
        if decision < 0.45:
            status = {"status": "accepted"}
        elif decision < 0.65:
            status = {"status": "rejected", "reason": rng.choice(reasons)}
        else:
            continue
        planned.append(Activity({"activity_id": f"crm-s{seed}-{n:06d}-s", "kind": "status",
                                 "occurred_at": (at + timedelta(seconds=1)).isoformat(), **status, **base},
                                _path(rng)))
    out = list(planned)
    for a in rng.sample(planned, round(len(planned) * duplicate_share)):
        out.insert(rng.randint(out.index(a) + 1, len(out)), Activity(a.body, _path(rng), copy=True))
    return CrmPlan(out)


def _path(rng: random.Random) -> str:
    return "http" if rng.random() < 0.5 else "kafka"
