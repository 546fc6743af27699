"""Synthetic leads and their engagement over the past week. Pure: time and randomness are passed in.

Profiles are built against the example agreement: a demo request from a fitting lead and a trial
from a well-fitting one are fast-tracked, heavy engagement from a strong fit crosses the hot line,
the rest stays in nurture or is disqualified (students, free mail without a company, tiny firms).
About one lead in fifty is part of a buying group: three colleagues (a decision maker, a champion and
a technical evaluator) reading up over the last three days, none of them ready alone, whose account
the buying group makes sales-ready. The scorer decides; the seeder asks it which leads were handed over.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# (source, campaign, weight, the activities that channel brings)
CHANNELS = (
    ("website", None, 22, ("page_view", "pricing_view", "chat_started")),  # chat_started: a custom kind
    ("hubspot", "benchmark-report-2026", 18, ("email_open", "email_click", "content_download")),
    ("hubspot", "webinar-routing-101", 12, ("email_click", "webinar_registered", "webinar_attended")),
    ("linkedin-ads", "pricing-retargeting", 16, ("page_view", "pricing_view")),
    ("g2", "g2-comparison", 10, ("page_view",)),
    ("partner-portal", "partner-referrals", 10, ("form_submit",)),
    ("product", "trial-nurture", 12, ("signed_up", "page_view")),
)
# profile -> weight; see the module docstring
PROFILES = {"demo_request": 20, "trial": 8, "heavy": 6, "nurture": 46, "low_fit_demo": 6, "disqualified": 14}
COUNTRIES = {"DE": 18, "GB": 12, "FR": 8, "NL": 6, "US": 25, "CA": 6, "JP": 5, "AU": 5, "SG": 4, "IN": 4, "BR": 3,
             "ZA": 4}
FIRST = ("Anna", "Ben", "Carla", "David", "Elif", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Leo",
         "Mara", "Nico", "Olga", "Paul", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Will", "Yuki", "Zoe")
LAST = ("Schmidt", "Meyer", "Dubois", "Rossi", "Novak", "Berg", "Kowalski", "Smith", "Garcia", "Nguyen", "Sato",
        "Singh", "Okafor", "Larsen", "Costa", "Weber", "Moreau", "Jansen", "Brown", "Silva")
COMPANY = ("Northwind", "Bluepeak", "Ironleaf", "Quanta", "Helix", "Lumen", "Brightwave", "Kestrel", "Orbis",
           "Tidal", "Vertex", "Copperline", "Nimbus", "Evergreen", "Polar", "Redwood", "Sable", "Arcadia")
SENIOR = ("VP Sales", "Head of Revenue Operations", "Director of Marketing", "CTO", "Chief Revenue Officer")
OTHER = ("Sales Manager", "Account Executive", "Marketing Specialist", "Software Engineer", "Operations Analyst")


@dataclass
class DemoLead:
    email: str
    profile: str
    source: str
    campaign: str | None
    attributes: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)  # EngagementRecorded payloads, oldest first


def _pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _attributes(rng: random.Random, profile: str, company: str) -> dict[str, Any]:
    strong = profile in ("demo_request", "trial", "heavy")
    employees = rng.choice((rng.randint(50, 950), rng.randint(50, 950), rng.randint(1000, 20000))) if strong \
        else rng.choice((rng.randint(10, 49), rng.randint(50, 950), rng.randint(1000, 8000)))
    attributes = {"company": company, "employees": employees, "country": _pick(rng, COUNTRIES),
                  "industry": rng.choice(("software", "saas", "fintech", "e-commerce") if strong
                                         else ("software", "retail", "manufacturing", "healthcare", "saas")),
                  "title": rng.choice(SENIOR if profile in ("trial", "heavy") or rng.random() < 0.6 else OTHER)}
    if profile == "low_fit_demo":
        attributes.update(employees=rng.randint(10, 40), industry="retail", country="BR", title=rng.choice(OTHER))
    if profile == "disqualified":
        attributes.update(rng.choice(({"title": "Student"}, {"title": "Intern"}, {"employees": rng.randint(1, 4)})))
    return attributes


def _touch(source: str, campaign: str | None, activity: str, at: datetime) -> dict[str, Any]:
    event = {"source": source, "activity": activity, "occurred_at": at.isoformat(), "campaign": campaign}
    if activity == "page_view":
        event["url"] = "https://handoff.example/pricing" if campaign == "pricing-retargeting" else "https://handoff.example/"
    if activity == "form_submit":
        event["form"] = "partner referral"
    return event


def _history(rng: random.Random, lead: DemoLead, first: datetime, now: datetime,
             channel: tuple[str, str | None, int, tuple[str, ...]]) -> None:
    source, campaign, _, activities = channel
    ready = lead.profile in ("demo_request", "trial", "heavy", "low_fit_demo")
    # A lead that is handed over does its last step in the past hour: routing and follow-up run now.
    last = now - timedelta(minutes=rng.uniform(2, 55)) if ready else now - timedelta(minutes=rng.uniform(5, 600))
    last = max(last, first)
    steps = [first + (last - first) * rng.random() for _ in range(rng.randint(1, 3))]
    kinds = [rng.choice(activities) for _ in steps]
    if lead.profile == "heavy":
        kinds, steps = ["webinar_attended", "content_download", "content_download", "pricing_view", "pricing_view",
                        "form_submit"], [first + (last - first) * i / 6 for i in range(6)]
    finale = {"demo_request": "demo_request", "low_fit_demo": "demo_request", "trial": "trial_started",
              "heavy": "form_submit"}.get(lead.profile)
    if lead.profile == "disqualified" and rng.random() < 0.4:
        finale = "demo_request"  # a student asking for a demo is still not sales-ready
    lead.events = [_touch(source, campaign, k, at) for k, at in sorted(zip(kinds, steps), key=lambda x: x[1])]
    if finale:
        lead.events.append(_touch(source, campaign, finale, last))
    if lead.profile == "heavy":
        lead.events[-1]["form"] = "contact sales"


# One title per persona of the example agreement's buying group, and what each reads: 21-26 points
# each, so no contact is sales-ready alone and the three together pass the group's 60.
BUYING_GROUP = (("VP Sales", ("webinar_registered", "webinar_attended", "email_click", "email_click")),
                ("Sales Manager", ("content_download", "pricing_view", "email_click", "email_click")),
                ("Software Engineer", ("content_download", "content_download", "page_view", "email_open",
                                       "email_click")))
GROUP_SHARE = 50  # one buying group's contacts per this many leads


def _company(rng: random.Random, tag: str) -> tuple[str, str]:
    company = f"{rng.choice(COMPANY)} {rng.choice(('Analytics', 'Systems', 'Labs', 'Group', 'Cloud'))}"
    suffix = uuid.UUID(int=rng.getrandbits(128)).hex[:4]
    return company, f"{company.lower().replace(' ', '-')}-{tag}-{suffix}-example.com"  # a registrable domain


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)}.{rng.choice(LAST)}.{uuid.UUID(int=rng.getrandbits(128)).hex[:4]}".lower()


def buying_group(rng: random.Random, now: datetime, tag: str) -> list[DemoLead]:
    """Three colleagues of one fitting company, one per persona, engaging over the last three days."""
    company, domain = _company(rng, tag)
    firm = {"company": company, "employees": rng.randint(120, 900), "country": _pick(rng, COUNTRIES),
            "industry": rng.choice(("software", "saas", "fintech"))}
    channel = CHANNELS[1]  # the benchmark report's nurture
    contacts = []
    for title, activities in BUYING_GROUP:
        lead = DemoLead(f"{_person(rng)}@{domain}", "buying_group", channel[0], channel[1], {**firm, "title": title})
        steps = sorted(now - timedelta(hours=rng.uniform(1, 72)) for _ in activities)
        lead.events = [_touch(channel[0], channel[1], kind, at) for kind, at in zip(activities, steps)]
        lead.events[0]["attributes"] = lead.attributes
        contacts.append(lead)
    return contacts


def demo_leads(rng: random.Random, now: datetime, count: int, tag: str) -> list[DemoLead]:
    """`count` leads first seen over the 6.5 days before `now`, each at a company of its own or a colleague's;
    one in GROUP_SHARE (three at least) are the contacts of a buying group."""
    groups = max(1, count // (GROUP_SHARE * len(BUYING_GROUP))) if count >= 3 * len(BUYING_GROUP) else 0
    leads: list[DemoLead] = [lead for _ in range(groups) for lead in buying_group(rng, now, tag)]
    companies: list[tuple[str, str]] = []
    for _ in range(count - len(leads)):
        profile = _pick(rng, PROFILES)
        channel = rng.choices(CHANNELS, weights=[c[2] for c in CHANNELS])[0]
        if companies and rng.random() < 0.12:
            company, domain = rng.choice(companies)  # a colleague: account engagement adds up
        else:
            company, domain = _company(rng, tag)
            companies.append((company, domain))
        person = _person(rng)
        free_mail = profile == "disqualified" and rng.random() < 0.3
        email = f"{person}@{'gmail.com' if free_mail else domain}"
        attributes = _attributes(rng, profile, company)
        if free_mail:
            attributes.pop("company")
        lead = DemoLead(email, profile, channel[0], channel[1], attributes)
        _history(rng, lead, now - timedelta(days=rng.uniform(0.05, 6.5)), now, channel)
        lead.events[0]["attributes"] = attributes  # the first touch brings the profile, as a form fill would
        leads.append(lead)
    return leads


INTENT_TOPICS = ("CRM software", "sales automation", "lead management", "payroll software")


def demo_intent(rng: random.Random, leads: list[DemoLead], now: datetime, share: float = 0.3) -> str:
    """A third-party intent export for about `share` of the week's companies (Bombora's column names):
    one to three signals each over the past week, for POST /v1/intent as text/csv."""
    domains = sorted({lead.email.rpartition("@")[2] for lead in leads if not lead.email.endswith("@gmail.com")})
    rows = ["Domain,Topic Name,Composite Score,Date"]
    for domain in domains:
        if rng.random() >= share:
            continue
        for _ in range(rng.randint(1, 3)):
            day = (now - timedelta(days=rng.uniform(0, 6.5))).date().isoformat()
            rows.append(f"{domain},{rng.choice(INTENT_TOPICS)},{rng.randint(30, 95)},{day}")
    return "\n".join(rows) + "\n" if len(rows) > 1 else ""  # no company drew a signal: nothing to send


def cloud_events(lead: DemoLead, tag: str) -> list[dict[str, Any]]:
    """The lead's engagement as structured-mode CloudEvents for POST /v1/events."""
    return [{"specversion": "1.0", "id": f"demo-{tag}-{lead.email}-{i}", "source": f"handoff-demo/{lead.source}",
             "type": "handoff.engagement.recorded", "data": {"email": lead.email, **e}}
            for i, e in enumerate(lead.events)]
