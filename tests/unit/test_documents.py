"""Ops documents are bounded while they are parsed: depth, aliases, non-finite numbers named by their field."""

import copy
import json

import pytest

from schemas.bounds import MAX_DEPTH
from services.agreement.text import AgreementInvalid, parse_agreement
from services.router.salesops.importing import check_rows, parse_json_rows
from services.router.salesops.models import RepIn
from services.shared.documents import DocumentUnreadable, load_document
from tests.unit.test_agreement_document import VALID


def _errors(text: str, fmt: str) -> dict[str, str]:
    with pytest.raises(AgreementInvalid) as caught:
        parse_agreement(text, fmt)
    return dict(caught.value.errors)


DEEP_FLOW = "[" * 10_000 + "]" * 10_000  # 20 KB: PyYAML's pure-Python parser took 15 s to reach its end
DEEP_BLOCK = "a:\n" + "".join(" " * i + "- \n" for i in range(1, 200))


@pytest.mark.parametrize("text", [DEEP_FLOW, DEEP_BLOCK], ids=["flow", "block"])
def test_a_deeply_nested_yaml_document_is_refused_naming_its_nesting(text):
    with pytest.raises(DocumentUnreadable, match="nest"):  # ours, or libyaml's flow-level limit
        load_document(text, "yaml")


def test_a_deeply_nested_json_document_is_refused():
    with pytest.raises(DocumentUnreadable, match="nested"):
        load_document("[" * 100_000 + "]" * 100_000, "json")
    with pytest.raises(DocumentUnreadable, match="nested more than"):
        load_document("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "json")


def test_a_document_at_the_depth_limit_is_read():
    assert load_document("[" * MAX_DEPTH + "]" * MAX_DEPTH, "json") is not None


def test_yaml_aliases_are_refused():
    with pytest.raises(DocumentUnreadable, match="aliases"):
        load_document("a: &x [1]\nb: *x\n", "yaml")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_non_finite_yaml_number_in_an_agreement_is_refused_naming_the_field(value):
    doc = json.dumps(VALID).replace('"points": 20', f'"points": {value}').replace("{", "{ ")
    assert "finite" in _errors(doc, "yaml")["fit.rules[0].points"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_json_number_in_an_agreement_is_refused_naming_the_field(value):
    doc = copy.deepcopy(VALID)
    doc["fit"]["rules"][0]["when"][0]["range"]["gte"] = float(value.lower().replace("infinity", "inf"))
    text = json.dumps(doc)  # json writes NaN / Infinity as the bare words
    assert value in text
    assert "finite" in _errors(text, "json")["fit.rules[0].when[0].range.gte"]


def test_a_nul_character_in_an_agreement_is_refused_naming_the_field():
    doc = copy.deepcopy(VALID)
    doc["rejection_reasons"] = ["no\u0000budget"]
    assert "NUL" in _errors(json.dumps(doc), "json")["rejection_reasons[0]"]


def test_a_non_finite_number_in_a_rep_import_is_refused_naming_the_row_and_field():
    rows = parse_json_rows(load_document('[{"rep_id": "a", "name": "Ann", "capacity": {"max_open": NaN}}]', "json"))
    check = check_rows(rows, RepIn, "rep_id", {})
    assert [f.field for r in check.rejected for f in r.fields] == ["[0].capacity.max_open"]
