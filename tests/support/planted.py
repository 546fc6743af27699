"""A synthetic world whose outcomes follow planted rules: fintech, and 50 to 999 employees, each win four
times as often (in odds); students never win. Everything else is noise."""

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

INDUSTRIES = ("fintech", "software", "retail", "healthcare", "manufacturing", "logistics")
COUNTRIES = ("DE", "US", "BR", "IN", "MX", "JP", "ZA")
TITLES = ("VP Sales", "Software Engineer", "Operations Analyst", "Account Executive", "Office Manager",
          "Director of Finance", "Marketing Specialist", "Consultant")
BASE_LOG_ODDS = math.log(0.08 / 0.92)
FOUR = math.log(4)


@dataclass(frozen=True)
class PlantedLead:
    key: str
    email: str
    attributes: dict[str, Any]
    seen_at: datetime
    probability: float  # of winning, as planted
    won: bool


def planted_probability(attributes: dict[str, Any]) -> float:
    """The planted model: what the suggestion should find."""
    if "student" in str(attributes.get("title", "")).lower():
        return 0.0
    z = BASE_LOG_ODDS + FOUR * (attributes.get("industry") == "fintech") \
        + FOUR * (50 <= attributes.get("employees", 0) < 1000)
    return 1 / (1 + math.exp(-z))


def planted_world(n: int, start: datetime, days: int, *, seed: int = 19, tag: str = "pw") -> list[PlantedLead]:
    """`n` leads first seen evenly over `days` from `start`, with a won/lost outcome drawn from the planted model."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        student = rng.random() < 0.07
        attributes: dict[str, Any] = {
            "company": f"Company {i}", "industry": rng.choice(INDUSTRIES), "country": rng.choice(COUNTRIES),
            "employees": int(math.exp(rng.uniform(math.log(5), math.log(20000)))),
            "title": "Student" if student else rng.choice(TITLES),
        }
        email = f"{tag}-{i}@company{i}.example.com"
        p = planted_probability(attributes)
        out.append(PlantedLead(email, email, attributes, start + timedelta(days=days * i / n), p, rng.random() < p))
    return out
