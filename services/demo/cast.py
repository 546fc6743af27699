"""The demo's sales organisation: a head of sales, four teams of three reps, their pools and rules. Pure data."""

from typing import Any

HEAD = {"rep_id": "demo-helena", "name": "Helena Brandt", "email": "helena@example.com", "team": "leadership",
        "time_zone": "Europe/Berlin"}
# team -> (countries its pool takes, [(rep id, name, time zone)]); the first rep leads the team.
TEAMS: dict[str, tuple[tuple[str, ...], list[tuple[str, str, str]]]] = {
    "enterprise": ((), [("demo-oliver", "Oliver Grant", "Europe/London"),
                        ("demo-sofia", "Sofia Marín", "Europe/Madrid"),
                        ("demo-daniel", "Daniel Brooks", "America/New_York")]),
    "emea": (("DE", "AT", "CH", "FR", "NL", "GB", "ES", "IT", "SE"),
             [("demo-lena", "Lena Fischer", "Europe/Berlin"),
              ("demo-tom", "Tom de Vries", "Europe/Amsterdam"),
              ("demo-chloe", "Chloé Martin", "Europe/Paris")]),
    "amer": (("US", "CA", "BR", "MX"),
             [("demo-maya", "Maya Johnson", "America/New_York"),
              ("demo-ethan", "Ethan Clarke", "America/Chicago"),
              ("demo-lucas", "Lucas Tremblay", "America/Toronto")]),
    "apac": (("JP", "SG", "AU", "IN"),
             [("demo-aiko", "Aiko Tanaka", "Asia/Tokyo"),
              ("demo-raj", "Raj Mehta", "Asia/Kolkata"),
              ("demo-mia", "Mia Wilson", "Australia/Sydney")]),
}
ENTERPRISE_EMPLOYEES = 1000
# How likely each rep touches a lead at all; Ethan is behind, so his leads wait, warn and breach.
TOUCH_RATE = {"demo-ethan": 0.45}
DEFAULT_TOUCH_RATE = 0.85


def reps() -> list[dict[str, Any]]:
    """RepIn bodies, managers before the reps they manage."""
    out = [HEAD]
    for team, (_, members) in TEAMS.items():
        lead_id = members[0][0]
        for rep_id, name, zone in members:
            out.append({"rep_id": rep_id, "name": name, "email": f"{rep_id.removeprefix('demo-')}@example.com",
                        "team": team, "time_zone": zone,
                        "manager_id": HEAD["rep_id"] if rep_id == lead_id else lead_id})
    return out


def pools() -> dict[str, dict[str, Any]]:
    """PoolIn bodies by pool id: one pool per team; team leads carry half the load of their reps."""
    return {team: {"name": f"{team} pool",
                   "members": {rep_id: 1 if i == 0 else 2 for i, (rep_id, _, _) in enumerate(members)}}
            for team, (_, members) in TEAMS.items()}


def rules() -> dict[str, Any]:
    """The RuleSet body: account owners first, enterprise by size, then regions; the rest go to EMEA."""
    regional = [{"id": f"region-{team}", "name": f"{team} countries",
                 "when": [{"field": "country", "in": list(countries)}], "target_pool": team}
                for team, (countries, _) in TEAMS.items() if countries]
    return {"rules": [
        {"id": "account-owner", "name": "Existing account owner", "kind": "account_owner"},
        {"id": "enterprise", "name": "1000+ employees",
         "when": [{"field": "employees", "range": {"gte": ENTERPRISE_EMPLOYEES}}], "target_pool": "enterprise"},
        *regional,
        {"id": "rest-of-world", "name": "Everyone else", "target_pool": "emea"},
    ]}
