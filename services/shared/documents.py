"""Ops documents (agreements, rule sets, imports) read from YAML or JSON text: bounded before they are built.

A document is checked while it is parsed, before any Python object is made of it: at most
MAX_DEPTH levels of nesting (a 20 KB YAML of nested brackets took PyYAML 30 s to refuse) and no
YAML aliases (billion laughs). Callers on the event loop run `load_document` through
`off_the_loop`, so even a large document never stalls the consumers that share the loop.
"""

import asyncio
import json
from collections.abc import Callable
from typing import Any, Literal, ParamSpec, TypeVar

import yaml

from schemas.bounds import MAX_DEPTH

DOCUMENT = "(document)"  # the path of an error that belongs to no one field
Format = Literal["yaml", "json"]
_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 100x faster
_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
P = ParamSpec("P")
T = TypeVar("T")


class DocumentUnreadable(ValueError):
    """The text is not a document of its format, or is nested too deeply; `message` says where."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _too_deep() -> DocumentUnreadable:
    return DocumentUnreadable(f"the document is nested more than {MAX_DEPTH} levels deep")


def _check_yaml_events(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):  # aliases can expand exponentially when walked
            raise DocumentUnreadable("YAML aliases (*name) are not allowed")
        if isinstance(event, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep()
        elif isinstance(event, _CLOSES):
            depth -= 1


def _json_depth(value: Any) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth + 1)
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def as_text(raw: str | bytes) -> str:
    """UTF-8 text (a byte-order mark some editors write is dropped), or DocumentUnreadable."""
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentUnreadable(f"not UTF-8 text: {exc}") from None


def load_document(raw: str | bytes, fmt: Format) -> Any:
    """The plain data of a YAML or JSON document within MAX_DEPTH; DocumentUnreadable otherwise.

    Non-finite numbers (JSON NaN, YAML .nan and .inf) are read as floats on purpose: the models
    refuse them (schemas.bounds.Strict) with the field's path, which a syntax error could not name."""
    text = as_text(raw)
    try:
        if fmt == "json":
            data = json.loads(text)
            if _json_depth(data) > MAX_DEPTH:
                raise _too_deep()
            return data
        if fmt != "yaml":
            raise DocumentUnreadable(f"unknown format {fmt!r}; use yaml or json")
        _check_yaml_events(text)
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    except (yaml.YAMLError, ValueError) as exc:  # JSONDecodeError is a ValueError
        if isinstance(exc, DocumentUnreadable):
            raise
        raise DocumentUnreadable(f"{fmt.upper()} syntax error: {' '.join(str(exc).split())}") from None
    except RecursionError:  # json's C decoder bounds its own recursion
        raise _too_deep() from None


async def off_the_loop(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`func(*args)` in a worker thread: parsing and validating a document never blocks the event loop."""
    return await asyncio.to_thread(func, *args, **kwargs)
