"""Dead letters for the person on call, through the running services: listed with their reasons,
shown, replayed by position (API and `handoff dlq`), ops only."""

import asyncio
import os
import sys
from pathlib import Path

import httpx
import orjson

from schemas.topics import Topic, dlq_topic
from services.shared.dlq import REPLAYED_FROM
from tests.support.agreements import role_key
from tests.support.events import unique_email
from tests.support.kafka import end_offsets, header, produce_raw, read_until

ROOT = Path(__file__).resolve().parents[2]
STRUCTURED = [("content-type", b"application/cloudevents+json")]


async def _poison(stack) -> tuple[bytes, int, int]:
    """A record the scorer cannot decode, dead-lettered by it; its key and dead-letter position."""
    key = unique_email("on-call").encode()
    await produce_raw(stack.bootstrap, stack.topic(Topic.ENGAGEMENT), b"{not json", key=key, headers=STRUCTURED)
    dead = await read_until(stack.bootstrap, dlq_topic(stack.topic(Topic.ENGAGEMENT)),
                            lambda rs: [r for r in rs if r.key == key])
    record = next(r for r in dead if r.key == key)
    return key, record.partition, record.offset


async def _cli(stack, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "dlq", *args, cwd=ROOT,
        env={**os.environ, "HANDOFF_KAFKA_BOOTSTRAP": stack.bootstrap,
             "HANDOFF_TOPIC_PREFIX": stack.settings.topic_prefix},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


async def test_ops_list_a_dead_letter_with_its_reason_and_origin(stack, services):
    key, partition, offset = await _poison(stack)
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        listed = await client.get(f"/v1/dead-letters/{Topic.ENGAGEMENT}", params={"error_matches": "not json",
                                                                                 "limit": 500}, headers=ops)
        depths = await client.get("/v1/dead-letters", headers=ops)
    assert listed.status_code == 200, listed.text
    mine = next(x for x in listed.json() if x["key"] == key.decode())
    assert (mine["partition"], mine["offset"]) == (partition, offset)
    assert mine["original_topic"] == stack.topic(Topic.ENGAGEMENT)
    assert "not JSON" in mine["error"] and mine["value"] == "{not json"
    by_topic = {d["topic"]: d["depth"] for d in depths.json()}
    assert by_topic[stack.topic(Topic.ENGAGEMENT)] >= 1
    assert set(by_topic) == {stack.topic(t) for t in (Topic.ENGAGEMENT, Topic.FOLLOWUP, Topic.INTENT)}  # its consumers


async def test_a_replay_by_position_produces_that_record_again_and_it_is_dead_lettered_again_naming_the_replay(
        stack, services):
    key, partition, offset = await _poison(stack)
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        done = await client.post(f"/v1/dead-letters/{Topic.ENGAGEMENT}/replay",
                                 json={"positions": [{"partition": partition, "offset": offset}]}, headers=ops)
    assert done.status_code == 200, done.text
    [replayed] = done.json()["replayed"]
    assert replayed["to_topic"] == stack.topic(Topic.ENGAGEMENT) and replayed["to_offset"] is not None
    # Still undecodable (nothing was fixed): dead-lettered once more, and the new dead letter says why it came.
    dead = await read_until(stack.bootstrap, dlq_topic(stack.topic(Topic.ENGAGEMENT)),
                            lambda rs: [r for r in rs if r.key == key and header(r, REPLAYED_FROM)])
    again = next(r for r in dead if r.key == key and header(r, REPLAYED_FROM))
    assert header(again, REPLAYED_FROM) == f"{dlq_topic(stack.topic(Topic.ENGAGEMENT))}/{partition}/{offset}"


async def test_a_dry_run_replay_says_what_it_would_do_and_produces_nothing(stack, services):
    _, partition, offset = await _poison(stack)
    ops = await role_key(services, "ops")
    before = await end_offsets(stack.bootstrap, stack.topic(Topic.ENGAGEMENT))
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        done = await client.post(f"/v1/dead-letters/{Topic.ENGAGEMENT}/replay", headers=ops, json={
            "positions": [{"partition": partition, "offset": offset}], "dry_run": True})
    assert done.status_code == 200, done.text
    assert done.json() == {"dry_run": True, "replayed": [{"partition": partition, "offset": offset,
                                                         "to_topic": stack.topic(Topic.ENGAGEMENT),
                                                         "to_partition": None, "to_offset": None}]}
    assert await end_offsets(stack.bootstrap, stack.topic(Topic.ENGAGEMENT)) == before


async def test_dead_letters_are_for_ops_only(services):
    sales = await role_key(services, "sales")
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        refused = await client.get(f"/v1/dead-letters/{Topic.QUALIFIED}", headers=sales)
        anonymous = await client.get("/v1/dead-letters")
    assert refused.status_code == 403 and anonymous.status_code == 401


async def test_a_topic_the_service_does_not_consume_is_404_naming_what_it_does(services):
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        missing = await client.get(f"/v1/dead-letters/{Topic.ENGAGEMENT}", headers=ops)
    assert missing.status_code == 404
    assert Topic.QUALIFIED.value in missing.json()["error"]["message"]


async def test_a_window_that_names_no_time_is_422_naming_the_field(services):
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        bad = await client.post(f"/v1/dead-letters/{Topic.QUALIFIED}/replay", json={"since": "99999999d"},
                                headers=ops)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "since"


async def test_the_cli_lists_shows_and_dry_runs_a_replay(stack, services):
    key, partition, offset = await _poison(stack)
    rc, listed = await _cli(stack, "list", "engagement", "--error-matches", "not json", "--limit", "500", "--json")
    assert rc == 0, listed
    assert any(orjson.loads(line)["key"] == key.decode() for line in listed.splitlines())
    rc, shown = await _cli(stack, "show", "engagement", f"{partition}:{offset}")
    assert rc == 0, shown
    assert orjson.loads(shown)["headers"]["dlq.original.topic"] == stack.topic(Topic.ENGAGEMENT)
    rc, replayed = await _cli(stack, "replay", "engagement", "--position", f"{partition}:{offset}", "--dry-run")
    assert rc == 0, replayed
    assert replayed.splitlines()[-1] == "1 to replay"
