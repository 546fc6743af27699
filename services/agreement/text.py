"""The agreement as text: parsed from YAML or JSON with every error's path, dumped for storage, diffed."""

from typing import Any

from pydantic import ValidationError

from services.agreement.document import AgreementDocument
from services.agreement.sections import DOCUMENT, Problems
from services.shared.documents import DocumentUnreadable, Format, load_document

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


def _load(text: str | bytes, fmt: Format) -> Any:
    try:
        return load_document(text, fmt)
    except DocumentUnreadable as exc:
        raise AgreementInvalid([(DOCUMENT, exc.message)]) from None


def parse_agreement(text: str | bytes, fmt: Format) -> AgreementDocument:
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
