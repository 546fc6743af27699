"""Health, readiness and metrics of both running services."""

import httpx


async def test_both_services_are_ready(services):
    async with httpx.AsyncClient() as client:
        for url in (services.scorer_url, services.router_url):
            response = await client.get(f"{url}/readyz")
            assert response.status_code == 200
            assert set(response.json()["checks"].values()) == {"ok"}


async def test_metrics_are_exposed_for_prometheus(services):
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{services.scorer_url}/metrics")).text
    assert "handoff_records_consumed_total" in text
    assert "handoff_consumer_partitions" in text


async def test_liveness_answers(services):
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{services.router_url}/healthz")).json()["status"] == "ok"
