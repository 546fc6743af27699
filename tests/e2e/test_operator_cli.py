"""The operator's commands against the running services: `handoff status`, `handoff agreement
validate` (offline, the API's errors) and `handoff agreement diff` (against the version in force)."""

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import httpx
import orjson

from schemas.topics import Topic
from tests.support.agreements import EXAMPLE, role_key

ROOT = Path(__file__).resolve().parents[2]


async def _handoff(stack, services, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    ports = {f"HANDOFF_{name.upper()}_PORT": str(urlparse(url).port)
             for name, url in (("scorer", services.scorer_url), ("router", services.router_url))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", *args, cwd=ROOT,
        env={**os.environ, "HANDOFF_DATABASE_URL": stack.settings.database_url,
             "HANDOFF_KAFKA_BOOTSTRAP": stack.bootstrap, "HANDOFF_TOPIC_PREFIX": stack.settings.topic_prefix,
             **ports, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode() + err.decode()


async def test_status_reports_both_services_ready_the_lag_of_each_group_and_the_agreement_in_force(stack, services):
    rc, out = await _handoff(stack, services, "status", "--json")
    assert rc == 0, out
    report = orjson.loads(out)
    assert {name: s["ready"] for name, s in report["services"].items()} == {"scorer": True, "router": True}
    groups = {g["group"]: g for g in report["consumer_groups"]}
    assert groups[stack.settings.group("handoff-scorer")]["topic"] == stack.topic(Topic.ENGAGEMENT)
    assert set(report["dead_letters"]) == {f"{stack.topic(t)}.dlq" for t in Topic}
    assert set(report["outboxes"]) == {"scorer.outbox", "router.outbox"}
    assert report["agreement"]["version"] >= 1 and report["healthy"] is True


async def test_status_says_which_service_is_down_and_exits_non_zero(stack, services):
    rc, out = await _handoff(stack, services, "status", "--json", env={"HANDOFF_ROUTER_PORT": "9"})
    assert rc == 1
    report = orjson.loads(out)
    assert report["services"]["router"]["ready"] is False
    assert "unreachable" in report["services"]["router"]["detail"]
    assert report["healthy"] is False


async def test_status_prints_tables_for_a_person(stack, services):
    rc, out = await _handoff(stack, services, "status")
    assert rc == 0, out
    assert "consumer lag" in out and "agreement in force: v" in out


async def test_validate_gives_the_apis_exact_errors_offline(stack, services, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(EXAMPLE.read_text().replace("half_life_days: 30", "half_life_days: -3"))
    rc, out = await _handoff(stack, services, "agreement", "validate", str(broken), "--json",
                             env={"HANDOFF_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})  # offline
    assert rc == 2
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        api = await client.post("/v1/agreements", content=broken.read_bytes(),
                                headers={**ops, "content-type": "application/yaml"})
    assert api.status_code == 422
    assert orjson.loads(out)["error"]["fields"] == api.json()["error"]["fields"]


async def test_validate_accepts_the_example(stack, services):
    rc, out = await _handoff(stack, services, "agreement", "validate", str(EXAMPLE))
    assert rc == 0 and "valid" in out


async def test_diff_lists_what_a_file_changes_against_the_version_in_force(stack, services, tmp_path):
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace("half_life_days: 30", "half_life_days: 21"))
    rc, out = await _handoff(stack, services, "agreement", "diff", str(changed), "--json")
    assert rc == 0, out
    diff = orjson.loads(out)
    # Other tests may have activated versions of their own: compare against whichever is in force.
    assert diff["active_version"] >= 1
    assert [c["after"] for c in diff["changes"] if c["path"] == "engagement.half_life_days"] == [21.0]
