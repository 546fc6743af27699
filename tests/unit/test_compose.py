"""docker-compose.yml describes the same stack as `make run` (no Docker engine here to run it)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _kafka_version_of_local_stack() -> str:
    pom = (ROOT / "deploy" / "local" / "kafka" / "pom.xml").read_text()
    return re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)


def test_compose_has_kafka_postgres_migrate_scorer_and_router():
    assert set(SERVICES) == {"kafka", "postgres", "migrate", "scorer", "router"}


def test_kafka_is_the_official_image_at_the_local_stacks_version():
    assert SERVICES["kafka"]["image"] == f"apache/kafka:{_kafka_version_of_local_stack()}"


def test_kafka_runs_kraft_with_single_node_replication_settings():
    env = SERVICES["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 1


def test_postgres_is_version_15():
    assert SERVICES["postgres"]["image"].startswith("postgres:15")


@pytest.mark.parametrize("name", ["kafka", "postgres", "scorer", "router"])
def test_long_running_services_have_healthchecks(name):
    assert SERVICES[name]["healthcheck"]["test"]


def test_migrate_waits_for_healthy_infrastructure():
    deps = SERVICES["migrate"]["depends_on"]
    assert deps == {"kafka": {"condition": "service_healthy"}, "postgres": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name,port", [("scorer", 8001), ("router", 8002)])
def test_services_start_after_migrations_on_their_ports(name, port):
    svc = SERVICES[name]
    assert svc["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert svc["ports"] == [f"{port}:{port}"]
    assert svc["command"] == ["serve", name]
    assert svc["environment"]["HANDOFF_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert svc["environment"]["HANDOFF_DATABASE_URL"].endswith("@postgres:5432/handoff")


def test_one_image_is_built_for_both_services():
    assert SERVICES["migrate"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (ROOT / "deploy" / "Dockerfile").exists()
    assert {SERVICES[s]["image"] for s in ("migrate", "scorer", "router")} == {"handoff:latest"}
