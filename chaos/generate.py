"""The generated input of a run, deterministic for a seed: leads, their engagement, duplicates and poison.

Every lead has a company domain of its own (or a free mail address and no website), so no two
leads share an account: the account share of each lead's score is 0 and the reference stays per lead.
Every event carries the lead's full attributes, so a lead's fit never changes between batches.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

STRUCTURED = [("content-type", b"application/cloudevents+json")]
ENGAGEMENT_TYPE = "handoff.engagement.recorded"
HISTORY = timedelta(days=3)  # event times spread over the three days before the run

# (activity, weight): a realistic mix; demo requests and trials are rare and decide most handovers.
ACTIVITIES = (
    ("page_view", 35), ("email_open", 18), ("email_click", 10), ("content_download", 6), ("form_submit", 5),
    ("pricing_view", 5), ("webinar_attended", 3), ("signed_up", 2), ("profile_updated", 2),
    ("trial_started", 1.5), ("demo_request", 1.5), ("unsubscribed", 1), ("email_bounced", 1),
)
PAGES = ("/pricing", "/product", "/product/integrations", "/blog/lead-scoring", "/blog/sla", "/careers")
FORMS = ("Contact us", "Newsletter", "Ebook download")
CAMPAIGNS = (None, None, "spring-webinar", "retargeting", "partner-newsletter")
TOOLS = ("mautic", "hubspot", "segment")
POISON_KINDS = ("not_json", "bad_field", "wrong_type", "no_identity")
# Decodes fine but PostgreSQL refuses it (NUL in jsonb): the consumer isolates and dead-letters it.
# Rare, since every such batch is retried record by record.
HANDLER_POISON, HANDLER_POISON_EVERY = "nul_in_text", 25


@dataclass(frozen=True)
class Lead:
    """A generated lead, with the attributes every one of its events carries."""

    key: str  # the lead key: the lower-cased email
    profile: str  # fitting, mid, weak, disqualified, free_mail
    attributes: dict[str, Any]


@dataclass(frozen=True)
class Engagement:
    """One distinct valid engagement event."""

    source: str  # CloudEvent source
    id: str
    lead_key: str
    activity: str
    occurred_at: datetime
    url: str | None
    form: str | None
    campaign: str | None
    body: bytes  # the structured CloudEvent, exactly as sent

    @property
    def dedupe_key(self) -> str:
        return f"{self.source}#{self.id}"


@dataclass(frozen=True)
class Record:
    """One record to send, in order: a valid event, a later copy of one, or poison."""

    kind: str  # valid, duplicate, poison
    path: str  # kafka, http (poison always kafka: the HTTP API would refuse it)
    key: bytes
    value: bytes
    poison: str | None = None


@dataclass
class Workload:
    """Everything a run sends in phase 1, and what it takes for poison."""

    leads: list[Lead]
    events: list[Engagement]
    records: list[Record]
    poison_keys: dict[bytes, str] = field(default_factory=dict)  # key -> poison kind

    def events_by_lead(self) -> dict[str, list[Engagement]]:
        out: dict[str, list[Engagement]] = {lead.key: [] for lead in self.leads}
        for e in self.events:
            out[e.lead_key].append(e)
        return out


def _lead(rng: random.Random, i: int, seed: int) -> Lead:
    domain = f"c{i}-s{seed}.chaos.example"
    profile = rng.choices(("fitting", "mid", "weak", "disqualified", "free_mail"), (30, 30, 25, 10, 5))[0]
    if profile == "fitting":
        attrs = {"company": f"Fit {i} GmbH", "employees": rng.choice((120, 400, 2500)),
                 "industry": rng.choice(("software", "saas", "fintech")), "country": rng.choice(("DE", "US", "GB")),
                 "title": rng.choice(("VP Sales", "Head of Marketing", "CTO", "Director IT"))}
    elif profile == "mid":
        attrs = {"company": f"Mid {i} Ltd", "employees": rng.choice((60, 300)),
                 "industry": rng.choice(("retail", "software")), "country": rng.choice(("FR", "NL", "BR")),
                 "title": rng.choice(("Marketing Manager", "Engineer", "Head of Sales"))}
    elif profile == "weak":
        attrs = {"company": f"Small {i}", "employees": rng.choice((8, 20, 45)), "industry": "agriculture",
                 "country": rng.choice(("IN", "BR")), "title": "Analyst"}
    elif profile == "disqualified":
        why = rng.choice(("student", "academic", "too_small"))
        if why == "academic":
            domain = f"uni{i}-s{seed}.edu"
        attrs = {"company": f"Dq {i}", "employees": 2 if why == "too_small" else 300, "industry": "software",
                 "country": "DE", "title": "Student" if why == "student" else "Researcher"}
    else:  # a free mail address without a company: disqualified, and no account (no website)
        attrs = {"title": "Consultant", "country": "US"}
        domain = "gmail.com"
    return Lead(f"lead{i}.s{seed}@{domain}", profile, attrs)


def _counts(rng: random.Random, leads: int, events: int) -> list[int]:
    """Events per lead: at least one each, the rest skewed (a few very active leads)."""
    weights = [rng.expovariate(1.0) for _ in range(leads)]
    total, extra = sum(weights), events - leads
    counts = [1 + int(extra * w / total) for w in weights]
    for _ in range(events - sum(counts)):
        counts[rng.randrange(leads)] += 1
    return counts


def _engagement(rng: random.Random, n: int, seed: int, lead: Lead, at: datetime) -> Engagement:
    activity = rng.choices([a for a, _ in ACTIVITIES], [w for _, w in ACTIVITIES])[0]
    url = rng.choice(PAGES) if activity == "page_view" else None
    form = rng.choice(FORMS) if activity == "form_submit" else None
    campaign = rng.choice(CAMPAIGNS)
    tool = rng.choice(TOOLS)
    data = {"source": tool, "activity": activity, "occurred_at": at.isoformat(), "email": lead.key,
            "attributes": lead.attributes}
    data.update({k: v for k, v in (("url", url), ("form", form), ("campaign", campaign)) if v is not None})
    event = {"specversion": "1.0", "id": f"ev-s{seed}-{n:07d}", "source": f"chaos/{tool}", "type": ENGAGEMENT_TYPE,
             "data": data}
    return Engagement(event["source"], event["id"], lead.key, activity, at, url, form, campaign, orjson.dumps(event))


def _poison(rng: random.Random, n: int, seed: int, kind: str, at: datetime) -> Record:
    key = f"poison-s{seed}-{n:05d}".encode()
    data = {"source": "chaos", "activity": "page_view", "occurred_at": at.isoformat(),
            "email": f"poison{n}.s{seed}@poison.chaos.example"}
    event = {"specversion": "1.0", "id": key.decode(), "source": "chaos/poison", "type": ENGAGEMENT_TYPE, "data": data}
    if kind == "not_json":
        return Record("poison", "kafka", key, b"\x00\xffnot json " + key, kind)
    if kind == "bad_field":
        data["activity"] = "Levitation!"  # no kind name: any well-formed name is taken since custom kinds
    elif kind == "wrong_type":
        event["type"] = "handoff.lead.routed"
    elif kind == "no_identity":
        del data["email"]
    elif kind == HANDLER_POISON:
        data["campaign"] = "nul\u0000byte"
    return Record("poison", "kafka", key, orjson.dumps(event), kind)


def _path(rng: random.Random, http_share: float) -> str:
    return "http" if rng.random() < http_share else "kafka"


def generate(*, events: int, leads: int, duplicate_share: float, poison_share: float, http_share: float,
             seed: int, now: datetime) -> Workload:
    """The run's input in send order: valid events in event-time order, copies and poison among them."""
    if events < leads:
        raise ValueError("need at least one event per lead")
    rng = random.Random(seed)
    people = [_lead(rng, i, seed) for i in range(leads)]
    start = now.replace(microsecond=0) - HISTORY - timedelta(hours=1)
    span = int(HISTORY.total_seconds())
    planned = [(start + timedelta(seconds=rng.randrange(span)), lead)
               for lead, count in zip(people, _counts(rng, leads, events)) for _ in range(count)]
    planned.sort(key=lambda p: p[0])
    valid = [_engagement(rng, n, seed, lead, at) for n, (at, lead) in enumerate(planned)]

    ordered: list[tuple[float, Record]] = [
        (float(i), Record("valid", _path(rng, http_share), e.lead_key.encode(), e.body)) for i, e in enumerate(valid)]
    window = max(1, len(valid) // 10)  # a redelivery comes up to a tenth of the stream later
    for i in sorted(rng.sample(range(len(valid)), round(events * duplicate_share))):
        e = valid[i]
        ordered.append((i + rng.randint(1, window) + 0.5, Record("duplicate", _path(rng, http_share),
                                                                 e.lead_key.encode(), e.body)))
    poison_keys: dict[bytes, str] = {}
    for n in range(round(events * poison_share)):
        kind = HANDLER_POISON if n % HANDLER_POISON_EVERY == HANDLER_POISON_EVERY - 1 else POISON_KINDS[n % 4]
        record = _poison(rng, n, seed, kind, start)
        poison_keys[record.key] = kind
        ordered.append((rng.uniform(0, len(valid)), record))
    ordered.sort(key=lambda p: p[0])
    return Workload(people, valid, [r for _, r in ordered], poison_keys)
