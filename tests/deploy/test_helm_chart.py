"""deploy/helm/handoff: lints, renders with every example, validates offline against the Kubernetes
schemas, and sets exactly the settings the services read.

Kubernetes' own kinds are validated strictly with the schemas kubernetes-validate bundles; KEDA's and
the Prometheus Operator's kinds against their CRDs, from pinned Go modules (deploy/local/tools.sh
crds). Strimzi's and CloudNativePG's kinds appear only in the examples, whose CRDs no registry here
carries: the tests check that the examples match the chart's defaults."""

import inspect
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from schemas.topics import Topic
from services.router import config as router_config
from services.scorer import config as scorer_config
from services.shared.config import Settings
from services.shared.kafka import all_topic_names
from services.shared.runtime import Runtime
from tests.deploy.chart import (
    CHART,
    CRD_KINDS,
    EXAMPLE_VALUES,
    EXAMPLES,
    KUBE_VERSIONS,
    ROOT,
    SETTINGS_OF,
    crd_schemas,
    env_names,
    of_kind,
    pod_specs,
    render,
    run_helm,
    settings_env,
    template_args,
    values_schema_module,
    yaml_documents,
)

VALUES = yaml.safe_load((CHART / "values.yaml").read_text())
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
VALUE_SETS = [None, *EXAMPLE_VALUES]
VALUE_IDS = ["defaults", *(p.name for p in EXAMPLE_VALUES)]
AGREEMENT = f"agreement.bootstrap={ROOT / 'deploy' / 'agreements' / 'example.yaml'}"


def rendered(values: Path | None, **kwargs: Any) -> list[dict[str, Any]]:
    return render([values] if values else [], **kwargs)


def everything_on(tmp_path: Path) -> Path:
    """Values that switch on every optional part and set every settings section to the defaults."""
    schema = values_schema_module()
    sections = {path: section["properties"] for path, section in schema.sections().items()}

    def defaults(props: dict[str, Any]) -> dict[str, Any]:
        def value(prop: dict[str, Any]) -> Any:
            return prop["default"] if prop.get("default") is not None else "https://handoff.example.com"

        return {name: value(prop) for name, prop in props.items()}

    values = {
        "kafka": {"securityProtocol": "SASL_SSL", "tls": {"clientSecret": {"name": "handoff-tls-user"}}},
        "secrets": {name: {"name": "handoff-keys", "key": name} for name in VALUES["secrets"]},
        "integrationMappings": "events: {}\n",
        "config": defaults(sections["config"]),
        "scorer": {"config": defaults(sections["scorer.config"])},
        "router": {"config": defaults(sections["router.config"])},
    }
    path = tmp_path / "everything.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


# --- helm lint and offline validation -------------------------------------------------------------

@pytest.mark.parametrize("values", VALUE_SETS, ids=VALUE_IDS)
def test_the_chart_lints_strictly(values):
    args = ["lint", "--strict", str(CHART), *(["-f", str(values)] if values else [])]
    done = run_helm(*args)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values", VALUE_SETS, ids=VALUE_IDS)
def test_rendered_manifests_validate_against_the_kubernetes_schemas(values, kube_version):
    for doc in rendered(values, set_files=[AGREEMENT], kube_version=kube_version):
        if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, kube_version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} on {kube_version}: {exc.message} at {list(exc.path)}")


@pytest.mark.parametrize("values", VALUE_SETS, ids=VALUE_IDS)
def test_rendered_operator_kinds_validate_against_their_crds(values):
    docs = [d for d in rendered(values) if (d["apiVersion"], d["kind"]) in CRD_KINDS]
    for doc in docs:
        errors = list(jsonschema.Draft7Validator(crd_schemas()[(doc["apiVersion"], doc["kind"])]).iter_errors(doc))
        assert not errors, f"{doc['kind']}/{doc['metadata']['name']}: {[e.message for e in errors]}"


def test_the_crd_check_refuses_an_unknown_field():
    scaled = of_kind(render([EXAMPLES / "values-strimzi-cnpg.yaml"]), "ScaledObject")["handoff-scorer"]
    scaled["spec"]["maxReplicas"] = 3  # the field is maxReplicaCount
    assert not jsonschema.Draft7Validator(crd_schemas()[("keda.sh/v1alpha1", "ScaledObject")]).is_valid(scaled)


@pytest.mark.parametrize("values", VALUE_SETS, ids=VALUE_IDS)
def test_only_kubernetes_kinds_and_the_known_operator_kinds_are_rendered(values):
    kinds = {(d["apiVersion"], d["kind"]) for d in rendered(values)}
    unknown = {k for k in kinds - CRD_KINDS if not k[0].startswith(("v1", "apps/", "batch/", "policy/", "autoscaling/",
                                                                     "networking.k8s.io/"))}
    assert not unknown


def test_no_secret_is_rendered_only_referenced():
    assert not of_kind(rendered(EXAMPLE_VALUES[-1]), "Secret")


def test_a_value_of_the_wrong_type_fails_at_install():
    done = run_helm(*template_args(sets=["config.consumer_batch_max=lots"]))
    assert done.returncode != 0 and "consumer_batch_max" in done.stderr


def test_a_setting_the_services_do_not_have_fails_at_install():
    done = run_helm(*template_args(sets=["router.config.no_such_setting=1"]))
    assert done.returncode != 0 and "no_such_setting" in done.stderr


# --- the settings: every one has a chart value, and the chart sets nothing else ------------------

def test_every_setting_the_services_read_has_a_chart_value(tmp_path):
    pods = pod_specs(render([everything_on(tmp_path)], set_files=[AGREEMENT]))
    for name in ("handoff-scorer", "handoff-ingest", "handoff-router"):
        missing = settings_env(SETTINGS_OF[name]) - env_names(pods[name])
        assert not missing, f"{name}: no chart value sets {sorted(missing)}"


@pytest.mark.parametrize("values", VALUE_SETS, ids=VALUE_IDS)
def test_the_chart_sets_nothing_the_services_do_not_read(values):
    for name, pod in pod_specs(rendered(values, set_files=[AGREEMENT])).items():
        extra = env_names(pod) - settings_env(SETTINGS_OF[name])
        assert not extra, f"{name} sets {sorted(extra)}, which its process does not read"


def test_the_rendered_settings_are_accepted_by_the_services(tmp_path, monkeypatch):
    pods = pod_specs(render([everything_on(tmp_path)]))
    for name, pod in pods.items():
        for var in [v for v in os.environ if v.startswith("HANDOFF_")]:
            monkeypatch.delenv(var)
        for entry in pod["containers"][0]["env"]:
            monkeypatch.setenv(entry["name"], entry.get("value", "from-a-secret"))
        SETTINGS_OF[name](_env_file=None)


def test_values_schema_settings_sections_are_generated_from_the_settings():
    expected = values_schema_module().schema_with_sections(json.loads(json.dumps(SCHEMA)))
    assert SCHEMA == expected, "run: .venv/bin/python deploy/helm/values_schema.py"


@pytest.mark.parametrize("path", ["config", "scorer.config", "router.config"])
def test_values_yaml_lists_each_setting_of_its_section(path):
    module = values_schema_module()
    own = {"config": (Settings, None), "scorer.config": (scorer_config.ScorerSettings, Settings),
           "router.config": (router_config.RouterSettings, Settings)}[path]
    node = VALUES
    for part in path.split("."):
        node = node[part]
    assert list(node) == module.section_fields(*own)


def test_chart_managed_settings_exist():
    every = set(scorer_config.ScorerSettings.model_fields) | set(router_config.RouterSettings.model_fields)
    assert set(values_schema_module().CHART_MANAGED) <= every


# --- the tiers -----------------------------------------------------------------------------------

def _env(pod: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in pod["containers"][0]["env"]}


def test_the_ingest_tier_serves_http_only_and_the_others_consume():
    pods = pod_specs(render())
    runs = {name: _env(pod)["HANDOFF_RUN_CONSUMERS"] for name, pod in pods.items() if name != "handoff-migrate"}
    assert runs == {"handoff-scorer": "true", "handoff-router": "true", "handoff-ingest": "false"}


def test_the_ingest_tier_runs_the_scorer():
    pod = pod_specs(render())["handoff-ingest"]
    assert pod["containers"][0]["args"] == ["serve", "scorer"]


def test_liveness_asks_healthz_and_readiness_readyz():
    for name, pod in pod_specs(render()).items():
        if name == "handoff-migrate":
            continue
        container = pod["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_the_grace_period_covers_the_sigterm_drain():
    serve = (ROOT / "services" / "cli" / "running.py").read_text()
    uvicorn_s = int(re.search(r"timeout_graceful_shutdown=(\d+)", serve)[1])
    runtime_s = inspect.signature(Runtime.stop).parameters["timeout_s"].default
    flush_s = int(re.search(r"request_timeout_ms=(\d+)", (ROOT / "services/shared/kafka.py").read_text())[1]) / 1000
    drain = VALUES["preStopSleepSeconds"] + uvicorn_s + runtime_s + flush_s
    for pod in pod_specs(render()).values():
        if "terminationGracePeriodSeconds" in pod:
            assert pod["terminationGracePeriodSeconds"] >= drain
    assert SCHEMA["properties"]["terminationGracePeriodSeconds"]["minimum"] >= drain


def test_every_tier_has_a_disruption_budget_and_resources():
    docs = render()
    assert set(of_kind(docs, "PodDisruptionBudget")) == {"handoff-scorer", "handoff-ingest", "handoff-router"}
    for name, pod in pod_specs(docs).items():
        assert pod["containers"][0]["resources"]["requests"], name


def test_the_ingest_tier_scales_on_cpu():
    hpa = of_kind(render(), "HorizontalPodAutoscaler")["handoff-ingest"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "handoff-ingest"
    assert "replicas" not in of_kind(render(), "Deployment")["handoff-ingest"]["spec"]


def test_the_ingress_sends_intake_to_the_ingest_tier():
    ingress = of_kind(render([EXAMPLES / "values-strimzi-cnpg.yaml"]), "Ingress")["handoff"]
    scorer_rule = ingress["spec"]["rules"][0]["http"]["paths"]
    backends = {p["path"]: p["backend"]["service"]["name"] for p in scorer_rule}
    assert backends == {"/v1/events": "handoff-ingest", "/v1/webhooks": "handoff-ingest", "/v1": "handoff-scorer"}


def _ingress_paths(sets: tuple[str, ...] = ()) -> set[str]:
    ingress = of_kind(render([EXAMPLES / "values-strimzi-cnpg.yaml"], sets), "Ingress")["handoff"]
    return {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}


def test_the_ingress_never_routes_metrics_or_health_outside_the_cluster():
    paths = _ingress_paths()
    assert "/" not in paths and not {"/metrics", "/healthz", "/readyz"} & paths
    assert {"/v1", "/ui"} <= paths


def test_the_ingress_routes_the_api_docs_only_when_they_are_served():
    assert "/docs" not in _ingress_paths()
    assert {"/docs", "/redoc", "/openapi.json"} <= _ingress_paths(("config.docs_enabled=true",))


def test_the_service_monitor_scrapes_metrics_on_every_tier():
    monitor = of_kind(render([EXAMPLES / "values-strimzi-cnpg.yaml"]), "ServiceMonitor")["handoff"]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    services = of_kind(render(), "Service")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert all(selector.items() <= s["metadata"]["labels"].items() for s in services.values())


# --- KEDA ----------------------------------------------------------------------------------------

def _triggers(docs: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    return {name: {(t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in so["spec"]["triggers"]}
            for name, so in of_kind(docs, "ScaledObject").items()}


def test_keda_scales_scorer_and_router_on_each_of_their_consumer_groups():
    delivery = router_config.DELIVERY_GROUP
    assert _triggers(render([EXAMPLES / "values-strimzi-cnpg.yaml"])) == {
        "handoff-scorer": {(scorer_config.CONSUMER_GROUP, Topic.ENGAGEMENT),
                           (scorer_config.FOLLOWUP_GROUP, Topic.FOLLOWUP),
                           (scorer_config.INTENT_GROUP, Topic.INTENT)},
        "handoff-router": {(router_config.QUALIFIED_GROUP, Topic.QUALIFIED),
                           (router_config.CRM_GROUP, Topic.CRM_ACTIVITY),
                           (router_config.CHANGES_GROUP, Topic.ENGAGEMENT),
                           (f"{delivery}-routed", Topic.ROUTED), (f"{delivery}-followup", Topic.FOLLOWUP),
                           (router_config.ACCOUNT_GROUP, Topic.ACCOUNT_QUALIFIED)},
    }


def test_keda_names_carry_the_topic_prefix():
    triggers = _triggers(render([EXAMPLES / "values-strimzi-cnpg.yaml"], sets=["kafka.topicPrefix=acme."]))
    assert all(g.startswith("acme.") and t.startswith("acme.") for pairs in triggers.values() for g, t in pairs)


def test_keda_never_scales_past_the_partition_count():
    done = run_helm(*template_args(sets=["router.keda.enabled=true", "router.keda.maxReplicas=13"]))
    assert done.returncode != 0 and "kafka.partitions" in done.stderr


def test_keda_authenticates_as_the_services_do():
    docs = render([EXAMPLES / "values-strimzi-cnpg.yaml"])
    scaled = of_kind(docs, "ScaledObject")["handoff-scorer"]
    assert {t["metadata"]["sasl"] for t in scaled["spec"]["triggers"]} == {"scram_sha512"}
    auth = of_kind(docs, "TriggerAuthentication")["handoff-scorer"]["spec"]
    assert {r["parameter"] for r in auth["secretTargetRef"]} == {"password", "ca"}
    assert auth["env"][0]["name"] == "HANDOFF_KAFKA_SASL_USERNAME"


def test_a_keda_scaled_tier_leaves_its_replica_count_to_keda():
    deployments = of_kind(render([EXAMPLES / "values-strimzi-cnpg.yaml"]), "Deployment")
    assert "replicas" not in deployments["handoff-scorer"]["spec"]


# --- the migrations hook -------------------------------------------------------------------------

def test_migrations_run_as_a_hook_before_install_and_upgrade():
    job = of_kind(render(), "Job")["handoff-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "handoff migrate" in job["spec"]["template"]["spec"]["containers"][0]["args"][0]


def test_the_agreement_is_bootstrapped_from_a_configmap_made_before_the_job():
    docs = render(set_files=[AGREEMENT])
    config = of_kind(docs, "ConfigMap")["handoff-migrate"]
    job = of_kind(docs, "Job")["handoff-migrate"]
    weight = int(config["metadata"]["annotations"]["helm.sh/hook-weight"])
    assert weight < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    assert "handoff agreement bootstrap" in job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert config["data"]["agreement.yaml"] == (ROOT / "deploy" / "agreements" / "example.yaml").read_text()


def test_topics_are_created_by_the_hook_only_when_asked():
    assert "handoff topics" not in of_kind(render(), "Job")["handoff-migrate"]["spec"]["template"]["spec"][
        "containers"][0]["args"][0]
    job = of_kind(render(sets=["migrations.createTopics=true"]), "Job")["handoff-migrate"]
    assert "handoff topics" in job["spec"]["template"]["spec"]["containers"][0]["args"][0]


# --- the examples match the chart's defaults -----------------------------------------------------

def _by_kind(path: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in yaml_documents(path):
        out.setdefault(doc["kind"], []).append(doc)
    return out


def test_the_strimzi_example_serves_the_charts_default_bootstrap_over_tls_with_scram():
    strimzi = _by_kind(EXAMPLES / "strimzi-kafka.yaml")
    kafka = strimzi["Kafka"][0]
    host, port = VALUES["kafka"]["bootstrapServers"].split(":")
    assert host == f"{kafka['metadata']['name']}-kafka-bootstrap"
    listener = next(li for li in kafka["spec"]["kafka"]["listeners"] if li["port"] == int(port))
    assert listener["tls"] and listener["authentication"]["type"] == "scram-sha-512"
    assert VALUES["kafka"]["tls"]["caSecret"]["name"] == f"{kafka['metadata']['name']}-cluster-ca-cert"


def test_the_strimzi_user_is_the_charts_default_user():
    user = _by_kind(EXAMPLES / "strimzi-kafka.yaml")["KafkaUser"][0]
    sasl = VALUES["kafka"]["sasl"]
    assert user["metadata"]["name"] == sasl["username"] == sasl["passwordSecret"]["name"]
    assert user["spec"]["authentication"]["type"] == sasl["mechanism"].lower()


def test_the_strimzi_topics_are_every_topic_handoff_uses_with_the_charts_partitions():
    topics = _by_kind(EXAMPLES / "strimzi-kafka.yaml")["KafkaTopic"]
    assert sorted(t["spec"]["topicName"] for t in topics) == sorted(all_topic_names(Settings(_env_file=None)))
    assert {t["spec"]["partitions"] for t in topics} == {VALUES["kafka"]["partitions"]}


def test_the_cnpg_cluster_writes_the_secret_the_chart_reads():
    cluster = _by_kind(EXAMPLES / "cnpg-cluster.yaml")["Cluster"][0]
    assert VALUES["database"]["urlSecret"] == {"name": f"{cluster['metadata']['name']}-app", "key": "uri"}


def test_the_pgbouncer_pooler_keeps_sessions():
    pooler = _by_kind(EXAMPLES / "cnpg-cluster.yaml")["Pooler"][0]
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "session"
    assert "plan_cache_mode" in pooler["spec"]["pgbouncer"]["parameters"]["ignore_startup_parameters"]


# --- connections: every replica at its most fits the example database --------------------------

def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def connections_at_most(values_file: Path) -> int:
    """Connections of every tier at its most replicas, each with a full pool, the backtest jobs and the hook."""
    values = _merged(VALUES, yaml.safe_load(values_file.read_text()))
    default = Settings.model_fields["db_pool_max"].default

    def pool(*sections: dict[str, Any]) -> int:
        chosen = [s["db_pool_max"] for s in (values["config"], *sections) if s.get("db_pool_max") is not None]
        return chosen[-1] if chosen else default

    def most(tier: str) -> int:
        t = values[tier]
        scaler = t["hpa"] if tier == "ingest" else t["keda"]
        return scaler["maxReplicas"] if scaler["enabled"] else t["replicas"]

    total = most("scorer") * pool(values["scorer"]["config"]) + most("router") * pool(values["router"]["config"])
    if values["ingest"]["enabled"]:
        total += most("ingest") * pool(values["scorer"]["config"], values["ingest"]["config"])
    return total + BACKTEST_JOBS * BACKTEST_POOL + 1


BACKTEST_JOBS, BACKTEST_POOL = 2, 3  # services/scorer/backtest/jobs.py: MAX_UNFINISHED, its pool's max_size
SUPERUSER_RESERVED = 3  # PostgreSQL's superuser_reserved_connections


def test_the_backtest_figures_are_the_codes():
    source = (ROOT / "services" / "scorer" / "backtest" / "jobs.py").read_text()
    assert f"MAX_UNFINISHED = {BACKTEST_JOBS}" in source and f'"db_pool_max": {BACKTEST_POOL}' in source


def _cnpg(kind: str) -> dict[str, Any]:
    return _by_kind(EXAMPLES / "cnpg-cluster.yaml")[kind][0]


def test_the_cnpg_cluster_has_a_connection_for_every_replica_at_its_most():
    max_connections = int(_cnpg("Cluster")["spec"]["postgresql"]["parameters"]["max_connections"])
    assert connections_at_most(EXAMPLES / "values-strimzi-cnpg.yaml") + SUPERUSER_RESERVED <= max_connections


def test_the_session_pooler_has_a_server_connection_for_every_client_connection():
    pooler_size = int(_cnpg("Pooler")["spec"]["pgbouncer"]["parameters"]["default_pool_size"])
    max_connections = int(_cnpg("Cluster")["spec"]["postgresql"]["parameters"]["max_connections"])
    assert connections_at_most(EXAMPLES / "values-pgbouncer.yaml") <= pooler_size
    assert pooler_size + SUPERUSER_RESERVED <= max_connections
