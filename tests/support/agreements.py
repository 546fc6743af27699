"""Helpers for agreement versions and role keys in end-to-end tests."""

from pathlib import Path

import httpx

from services.agreement.text import dump_agreement, parse_agreement

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml"


def example_document() -> dict:
    """The example agreement as JSON-ready data (YAML dates and times made strings)."""
    return dump_agreement(parse_agreement(EXAMPLE.read_text(), "yaml"))


async def role_key(services, role: str) -> dict[str, str]:
    """Headers with a new key of `role`."""
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/v1/keys", json={"name": f"{role} tester", "role": role},
                                     headers=services.auth)
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['key']}"}


async def activate(services, document: dict, keys: dict[str, dict]) -> int:
    """Drafts `document`, has marketing and sales approve it, activates it; returns the version."""
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        created = await client.post("/v1/agreements", json=document, headers=keys["ops"])
        assert created.status_code == 201, created.text
        version = created.json()["version"]
        for role in ("marketing", "sales"):
            approved = await client.post(f"/v1/agreements/{version}/approvals", headers=keys[role])
            assert approved.status_code == 200, approved.text
        activated = await client.post(f"/v1/agreements/{version}/activate", headers=keys["ops"])
        assert activated.status_code == 200, activated.text
    return version
