"""The published contract documents pass validators that are not ours: the AsyncAPI document the
AsyncAPI project's own parser (npm @asyncapi/parser, pinned), both OpenAPI documents
openapi-spec-validator."""

import json
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from services.router.bootstrap import create_app as router_app
from services.router.config import RouterSettings
from services.scorer.bootstrap import create_app as scorer_app
from services.scorer.config import ScorerSettings

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI = ROOT / "deploy" / "local" / "asyncapi.sh"


def _asyncapi_check(path: Path) -> tuple[int, list[dict]]:
    done = subprocess.run([str(ASYNCAPI), "check", str(path)], capture_output=True, text=True, timeout=300)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_the_asyncapi_document_has_no_error_by_the_asyncapi_parser():
    rc, diagnostics = _asyncapi_check(ROOT / "schemas" / "asyncapi.yaml")
    assert rc == 0, diagnostics
    assert [d for d in diagnostics if d["severity"] in ("Error", "Warning")] == []


def test_the_asyncapi_parser_does_refuse_a_broken_document(tmp_path):
    # The check is only worth something if it can fail: a message that points nowhere.
    broken = tmp_path / "broken.yaml"
    broken.write_text((ROOT / "schemas" / "asyncapi.yaml").read_text().replace(
        "#/components/messages/handoff_engagement_recorded", "#/components/messages/nowhere", 1))
    rc, diagnostics = _asyncapi_check(broken)
    assert rc == 1
    assert any(d["severity"] == "Error" for d in diagnostics)


@pytest.mark.parametrize("service", ["scorer", "router"])
def test_the_openapi_document_is_valid_openapi(service):
    app = scorer_app(ScorerSettings()) if service == "scorer" else router_app(RouterSettings())
    validate(app.openapi())


def test_the_openapi_validator_does_refuse_a_broken_document():
    document = scorer_app(ScorerSettings()).openapi()
    document["paths"]["/v1/events"]["post"]["responses"] = {"teapot": {}}
    with pytest.raises(OpenAPIValidationError):
        validate(document)
