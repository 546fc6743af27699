"""Rendering deploy/helm/handoff with the pinned helm (deploy/local/tools.sh builds it once)."""

import functools
import importlib.util
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from services.router.config import RouterSettings
from services.scorer.config import ScorerSettings
from services.shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "handoff"
EXAMPLES = ROOT / "deploy" / "helm" / "examples"
EXAMPLE_VALUES = sorted(EXAMPLES.glob("values-*.yaml"))
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas bundled.
KUBE_VERSIONS = ("1.27.0", "1.37.0")
# The operators' kinds the chart renders, validated against the CRDs of the pinned Go modules
# deploy/local/tools.sh downloads (KEDA, Prometheus Operator): each CRD file, in its module.
CRD_FILES = {("keda.sh/v1alpha1", "ScaledObject"): "config/crd/bases/keda.sh_scaledobjects.yaml",
             ("keda.sh/v1alpha1", "TriggerAuthentication"): "config/crd/bases/keda.sh_triggerauthentications.yaml",
             ("monitoring.coreos.com/v1", "ServiceMonitor"):
                 "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"}
CRD_KINDS = set(CRD_FILES)


@functools.cache
def helm() -> str:
    """The pinned helm's path; built from the Go module proxy the first time."""
    done = subprocess.run([str(ROOT / "deploy" / "local" / "tools.sh"), "helm"], capture_output=True, text=True)
    assert done.returncode == 0, f"deploy/local/tools.sh helm failed:\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm(), *args], capture_output=True, text=True, timeout=120)


def template_args(values: Iterable[Path] = (), sets: Iterable[str] = (), set_files: Iterable[str] = (),
                  kube_version: str = KUBE_VERSIONS[-1]) -> list[str]:
    args = ["template", "handoff", str(CHART), "--kube-version", kube_version]
    for path in values:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    for item in set_files:
        args += ["--set-file", item]
    return args


def render(values: Iterable[Path] = (), sets: Iterable[str] = (), set_files: Iterable[str] = (),
           kube_version: str = KUBE_VERSIONS[-1]) -> list[dict[str, Any]]:
    """The chart's manifests for these values (helm template, hooks included)."""
    done = run_helm(*template_args(values, sets, set_files, kube_version))
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """Manifests of one kind by name."""
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The pod spec of every Deployment and Job, by the workload's name."""
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "Job")}


def env_names(pod: dict[str, Any]) -> set[str]:
    return {e["name"] for c in pod["containers"] for e in c.get("env", [])}


def env_name(cls: type[Settings], field: str) -> str:
    """The variable pydantic-settings reads a field from."""
    alias = cls.model_fields[field].validation_alias
    return alias.upper() if isinstance(alias, str) else f"HANDOFF_{field.upper()}"


def settings_env(cls: type[Settings]) -> set[str]:
    """Every HANDOFF_* variable a settings class reads."""
    return {env_name(cls, name) for name in cls.model_fields}


# What each workload runs: the settings class its process loads.
SETTINGS_OF = {"handoff-scorer": ScorerSettings, "handoff-ingest": ScorerSettings,
               "handoff-router": RouterSettings, "handoff-migrate": Settings}


def _strict(node: Any) -> Any:
    """An openAPIV3Schema as a JSON schema that, like `kubectl --validate=strict`, refuses unknown
    fields wherever the CRD lists the known ones."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out and \
            not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """JSON schemas of the operators' kinds, from their CRDs (deploy/local/tools.sh crds)."""
    done = subprocess.run([str(ROOT / "deploy" / "local" / "tools.sh"), "crds"], capture_output=True, text=True)
    assert done.returncode == 0, f"deploy/local/tools.sh crds failed:\n{done.stderr}"
    dirs = [Path(line) for line in done.stdout.split()]
    schemas = {}
    for (api_version, kind), relative in CRD_FILES.items():
        path = next(d / relative for d in dirs if (d / relative).exists())
        crd = yaml.safe_load(path.read_text())
        group, version = api_version.split("/")
        assert crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind
        served = next(v for v in crd["spec"]["versions"] if v["name"] == version)
        schema = _strict(served["schema"]["openAPIV3Schema"])
        schema["properties"]["metadata"] = {"type": "object"}  # the API server checks it, not the CRD
        schemas[(api_version, kind)] = schema
    return schemas


@functools.cache
def values_schema_module() -> ModuleType:
    """deploy/helm/values_schema.py, which writes the settings sections of values.schema.json."""
    spec = importlib.util.spec_from_file_location("values_schema", ROOT / "deploy" / "helm" / "values_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def yaml_documents(path: Path) -> Iterator[dict[str, Any]]:
    yield from (doc for doc in yaml.safe_load_all(path.read_text()) if doc)
