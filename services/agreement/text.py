"""The agreement as text: parsed from YAML or JSON with every error's path, dumped for storage, diffed."""

import json
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from services.agreement.document import DOCUMENT, AgreementDocument, Problems

_UNION_TAGS = {"str", "float", "int", "bool", "none", "date", "time"}  # pydantic's union member names in `loc`


class AgreementInvalid(Exception):
    """The document does not parse or validate; `errors` is a list of (path, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier() and part not in _UNION_TAGS:  # skip tags like `str` of union members
            out += f".{part}" if out else part
    return out


def _join(base: str, relative: str) -> str:
    if not base:
        return relative or DOCUMENT
    return base + relative if relative.startswith("[") else f"{base}.{relative}"


def _errors(exc: ValidationError) -> list[tuple[str, str]]:
    grouped: dict[str, list[str]] = {}
    for err in exc.errors():
        cause = (err.get("ctx") or {}).get("error")
        base = _path(err["loc"])
        if isinstance(cause, Problems):
            pairs = [(_join(base, rel), msg) for rel, msg in cause.problems]
        elif err["type"] == "extra_forbidden":  # name the key as written, whatever its spelling
            pairs = [(_join(_path(err["loc"][:-1]), str(err["loc"][-1])), "unknown field")]
        else:
            pairs = [(base or DOCUMENT, err["msg"].removeprefix("Value error, "))]
        for path, message in pairs:
            messages = grouped.setdefault(path, [])
            if message not in messages:  # one path per union member would repeat itself
                messages.append(message)
    return [(path, "; ".join(messages)) for path, messages in grouped.items()]


def _load(text: str | bytes, fmt: str) -> Any:
    if isinstance(text, bytes):
        try:  # -sig: a byte-order mark some editors write is not a syntax error
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AgreementInvalid([(DOCUMENT, f"not UTF-8 text: {exc}")]) from None
    try:
        if fmt == "json":
            return json.loads(text)
        if fmt != "yaml":
            raise AgreementInvalid([(DOCUMENT, f"unknown format {fmt!r}; use yaml or json")])
        # Aliases can expand exponentially when walked ("billion laughs"): refuse them outright.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise AgreementInvalid([(DOCUMENT, "YAML aliases (*name) are not allowed")])
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise AgreementInvalid([(DOCUMENT, f"{fmt.upper()} syntax error: {' '.join(str(exc).split())}")]) from None
    except RecursionError:
        raise AgreementInvalid([(DOCUMENT, "the document is nested too deeply")]) from None


def parse_agreement(text: str | bytes, fmt: Literal["yaml", "json"]) -> AgreementDocument:
    """The validated document from YAML or JSON text; raises AgreementInvalid with every error's path."""
    data = _load(text, fmt)
    if not isinstance(data, dict):
        raise AgreementInvalid([(DOCUMENT, "the document must be a mapping of sections")])
    try:
        return AgreementDocument.model_validate(data)
    except ValidationError as exc:
        raise AgreementInvalid(_errors(exc)) from None


def dump_agreement(doc: AgreementDocument) -> dict[str, Any]:
    """The document as JSON-ready data, for storage and diffs; AgreementDocument.model_validate reads it back."""
    return doc.model_dump(mode="json", by_alias=True, exclude_none=True)


def diff_agreements(a: Any, b: Any, path: str = "") -> list[dict[str, Any]]:
    """Every leaf that differs from `a` to `b`, as {"path", "before", "after"}; lists compare by index."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = list(a) + [k for k in b if k not in a]
        return [c for k in keys for c in diff_agreements(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))]
    if isinstance(a, list) and isinstance(b, list):
        return [c for i in range(max(len(a), len(b)))
                for c in diff_agreements(a[i] if i < len(a) else None, b[i] if i < len(b) else None, f"{path}[{i}]")]
    return [] if a == b else [{"path": path or DOCUMENT, "before": a, "after": b}]
