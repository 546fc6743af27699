"""docs/integrations.md, "Kafka-direct with kcat": its kcat commands, run as written on the test stack.

The blocks are read from the doc, so the doc cannot drift from what works; only the topic names
(this run's prefix), the lead's email and the event id are swapped for this run's.
"""

import asyncio
import os
import re
import time
import uuid

import orjson

from schemas.topics import Topic
from tests.support.events import unique_email
from tests.support.stack import ROOT

SECTION = "## Kafka-direct with kcat"


def _doc_blocks() -> list[str]:
    doc = (ROOT / "docs" / "integrations.md").read_text()
    section = doc.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def _block(*markers: str) -> str:
    found = [b for b in _doc_blocks() if all(m in b for m in markers)]
    assert len(found) == 1, f"expected one block with {markers} in docs/integrations.md"
    return found[0]


def _for_this_run(block: str, stack, email: str, event_id: str) -> str:
    for topic in (Topic.ENGAGEMENT, Topic.ROUTED):
        block = block.replace(str(topic), stack.topic(topic))
    return block.replace("ada@example.com", email).replace("kcat-demo-1", event_id)


async def _sh(command: str, stack) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", command, env={**os.environ, "KAFKA": stack.bootstrap},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def _read_until(command: str, stack, pick, timeout: float = 60):
    """Runs the one-shot consume command until `pick(output)` finds something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pick(await _sh(command, stack))
        if found:
            return found
        await asyncio.sleep(0.5)
    raise AssertionError(f"nothing found by {command!r} within {timeout}s")


async def _produce(stack) -> str:
    email, event_id = unique_email("kcat").lower(), f"kcat-{uuid.uuid4().hex[:8]}"
    await _sh(_for_this_run(_block("kcat -P"), stack, email, event_id), stack)
    return email


async def test_a_binary_cloudevent_produced_with_kcat_is_routed_and_read_back_as_json_lines(stack, services):
    email = await _produce(stack)
    consume = _for_this_run(_block("kcat -C", "-J"), stack, email, "")

    def routed(output: str):
        lines = [orjson.loads(line) for line in output.splitlines() if line.strip()]
        return [line for line in lines if line["key"] == email]

    [record] = await _read_until(consume, stack, routed)
    event = orjson.loads(record["payload"])
    assert event["type"] == "handoff.lead.routed"
    assert event["data"]["lead_key"] == email
    assert event["data"]["rep_id"] == "rep-solo"
    assert ["content-type", "application/cloudevents+json"] == record["headers"][:2]


async def test_routed_leads_read_with_a_kcat_format_string_are_key_and_event(stack, services):
    email = await _produce(stack)
    consume = _for_this_run(_block("kcat -C", "-f"), stack, email, "")

    def routed(output: str):
        return [line.split("\t", 1)[1] for line in output.splitlines() if line.startswith(f"{email}\t")]

    [value] = await _read_until(consume, stack, routed)
    event = orjson.loads(value)
    assert event["type"] == "handoff.lead.routed"
    assert event["subject"] == email
