"""Schemathesis against both OpenAPI documents: no 5xx, and every response as documented.

The fuzzer runs with the admin key, so it creates reps, rule sets, agreements and keys at random:
it gets a world of its own (database, topic prefix, service processes) so nothing it does
reaches the other tests.
"""

import os
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.router.bootstrap import create_app as create_router
from services.router.config import RouterSettings
from services.scorer.bootstrap import create_app as create_scorer
from services.scorer.config import ScorerSettings
from tests.support.isolated import isolated_stack
from tests.support.stack import ROOT, TEST_ADMIN_KEY, start_service, wait_ready

# The documents as the apps describe themselves (building an app opens no connection).
SCORER = schemathesis.openapi.from_dict(create_scorer(ScorerSettings()).openapi())
ROUTER = schemathesis.openapi.from_dict(create_router(RouterSettings()).openapi())
CHECKS = [not_a_server_error, response_schema_conformance]
# CI runs a fixed, short sample; HANDOFF_FUZZ_EXAMPLES=200 HANDOFF_FUZZ_RANDOM=1 digs deeper.
FUZZ = settings(max_examples=int(os.environ.get("HANDOFF_FUZZ_EXAMPLES", "12")), deadline=None,
                derandomize=os.environ.get("HANDOFF_FUZZ_RANDOM") is None, suppress_health_check=list(HealthCheck))
AUTH = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


@pytest.fixture(scope="module")
async def fuzz_urls(stack) -> dict[str, str]:
    async with isolated_stack(stack.settings, "fuzz", ROOT / "tests" / "data" / "one-rep.yaml",
                              datetime.now(UTC)) as world:
        env = {"HANDOFF_DATABASE_URL": world.settings.database_url,
               "HANDOFF_KAFKA_BOOTSTRAP": world.settings.kafka_bootstrap,
               "HANDOFF_TOPIC_PREFIX": world.settings.topic_prefix, "HANDOFF_ADMIN_KEY": TEST_ADMIN_KEY,
               "HANDOFF_LOG_LEVEL": "WARNING"}
        procs = [start_service(name, env, ROOT / ".run" / "test-logs") for name in ("scorer", "router")]
        try:
            for proc in procs:
                await wait_ready(proc)
            yield {"scorer": procs[0].url, "router": procs[1].url}
        finally:
            for proc in procs:
                proc.terminate()


@SCORER.parametrize()
@FUZZ
def test_the_scorer_answers_every_generated_request_as_documented(case, fuzz_urls):
    case.call_and_validate(base_url=fuzz_urls["scorer"], headers=AUTH, checks=CHECKS, timeout=30)


@ROUTER.parametrize()
@FUZZ
def test_the_router_answers_every_generated_request_as_documented(case, fuzz_urls):
    case.call_and_validate(base_url=fuzz_urls["router"], headers=AUTH, checks=CHECKS, timeout=30)
