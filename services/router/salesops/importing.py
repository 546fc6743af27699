"""Bulk imports of reps and accounts from CSV or JSON: parse, check every row, then settle.

Rows are checked on their own (the model), then against each other and the database (duplicate
ids, references, taken domains). A row updating a stored record is merged over it, so what the
row does not carry keeps its value: a CSV without working hours never resets a rep's calendar.
All or nothing by default; with `partial` the good rows go in and the bad ones come back.
"""

import csv
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from fastapi import Request
from pydantic import BaseModel, ValidationError

from services.router.salesops.models import AccountIn, Rejected
from services.shared.body import media_type, read_limited
from services.shared.documents import DocumentUnreadable, load_document, off_the_loop
from services.shared.errors import ApiError, FieldError, field_errors

M = TypeVar("M", bound=BaseModel)
Problem = tuple[str, str]  # (path inside the row, message)


@dataclass(frozen=True)
class CsvLayout:
    columns: tuple[str, ...]
    key: str  # the id column; required
    nullable: frozenset[str]  # an empty cell is null here; elsewhere it means "not given"
    nested: Mapping[str, str] = field(default_factory=dict)  # column -> object it sits in
    lists: Mapping[str, str] = field(default_factory=dict)  # column -> separator


REP_CSV = CsvLayout(
    columns=("rep_id", "name", "email", "team", "manager_id", "time_zone", "max_open",
             "max_new_per_day", "active"),
    key="rep_id", nullable=frozenset({"email", "team", "manager_id", "max_open", "max_new_per_day"}),
    nested={"max_open": "capacity", "max_new_per_day": "capacity"},
)
ACCOUNT_CSV = CsvLayout(
    columns=("account_id", "name", "owner_rep_id", "key_account", "domains"),
    key="account_id", nullable=frozenset({"owner_rep_id"}), lists={"domains": ";"},
)


@dataclass(frozen=True)
class Row:
    values: Any  # the row's fields in the model's shape; anything at all from a JSON array
    line: int | None = None  # CSV line, header = 1
    index: int | None = None  # JSON array position
    problems: tuple[Problem, ...] = ()  # found while parsing

    def id(self, key: str) -> str | None:
        value = self.values.get(key) if isinstance(self.values, dict) else None
        return value if isinstance(value, str) else None

    def label(self, path: str) -> str:
        """Where a problem is, as the sender wrote it: `line 3: max_open` or `[2].capacity.max_open`."""
        if self.line is None:
            return f"[{self.index}]" + (f".{path}" if path and not path.startswith("[") else path)
        column = path.split("[")[0].rpartition(".")[2]  # capacity.max_open is the max_open cell
        return f"line {self.line}" + (f": {column}" if column else "")


def parse_csv(text: str, layout: CsvLayout) -> list[Row]:
    """Rows of a CSV with a header; a bad header refuses the whole file."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        problems = [FieldError(field=f"line 1: {h or '(empty)'}", message="unknown or repeated column;"
                               f" expected {', '.join(layout.columns)}")
                    for i, h in enumerate(header) if h not in layout.columns or h in header[:i]]
        if layout.key not in header:
            problems.append(FieldError(field=f"line 1: {layout.key}", message="required column missing"))
        if problems:
            raise ApiError(422, "invalid", "the CSV header is not valid; nothing was imported", problems)
        return [_csv_row(header, cells, reader.line_num, layout)
                for cells in reader if any(c.strip() for c in cells)]  # blank lines are no rows
    except csv.Error as exc:
        raise ApiError(400, "malformed", f"CSV line {reader.line_num}: {exc}") from exc


def _csv_row(header: list[str], cells: list[str], line: int, layout: CsvLayout) -> Row:
    if len(cells) > len(header):
        return Row({}, line=line, problems=(("", f"{len(cells)} cells but {len(header)} columns"),))
    values: dict[str, Any] = {}
    for name, raw in zip(header, cells):  # missing trailing cells are not given
        cell = raw.strip()
        if not cell and name not in layout.nullable:
            continue  # a new row gets the default, a stored one keeps its value
        value: Any = cell or None
        if name in layout.lists:
            value = [part.strip() for part in cell.split(layout.lists[name]) if part.strip()]
        group = layout.nested.get(name)
        (values.setdefault(group, {}) if group else values)[name] = value
    return Row(values, line=line)


def parse_json_rows(data: Any) -> list[Row]:
    """Rows of a JSON array of objects."""
    if not isinstance(data, list):
        raise ApiError(422, "invalid", "send a JSON array of objects",
                       [FieldError(field="(body)", message=f"expected an array, got {type(data).__name__}")])
    return [Row(item, index=i) for i, item in enumerate(data)]


def parse_rows(raw: bytes, content_type: str, layout: CsvLayout) -> list[Row]:
    """The rows of a text/csv or application/json body (JSON nested at most MAX_DEPTH levels)."""
    if content_type == "application/json":
        try:
            return parse_json_rows(load_document(raw, "json"))
        except DocumentUnreadable as exc:
            raise ApiError(400, "malformed", f"the body is not usable JSON: {exc.message}") from exc
    try:
        return parse_csv(raw.decode("utf-8-sig"), layout)  # spreadsheets like to add a BOM
    except UnicodeDecodeError as exc:
        raise ApiError(400, "malformed", f"the CSV is not UTF-8: {exc}") from exc


async def read_rows(request: Request, limit: int, layout: CsvLayout) -> list[Row]:
    """The rows of a text/csv or application/json request body, parsed off the event loop."""
    content_type = media_type(request)
    if content_type not in ("text/csv", "application/json"):
        raise ApiError(415, "unsupported_media_type", "send text/csv or application/json")
    raw = await read_limited(request, limit)
    if not raw.strip() and content_type == "application/json":
        raise ApiError(400, "malformed", "request body is empty")
    return await off_the_loop(parse_rows, raw, content_type, layout)


def _merge(stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    # One level deep: a row giving capacity.max_open keeps the stored max_new_per_day.
    merged = dict(stored)
    for name, value in given.items():
        both = isinstance(value, dict) and isinstance(merged.get(name), dict)
        merged[name] = {**merged[name], **value} if both else value
    return merged


@dataclass
class ImportCheck(Generic[M]):
    key: str
    total: int = 0
    good: list[tuple[Row, M]] = field(default_factory=list)
    bad: list[tuple[Row, list[Problem]]] = field(default_factory=list)

    def reject(self, row: Row, problems: list[Problem]) -> None:
        self.bad.append((row, problems))

    def require_references(self, name: str, known: Collection[str], *, within: bool) -> None:
        """Rejects rows whose `name` is an unknown rep. `within`: the field names rows of this very
        import's kind (a rep's manager), so good rows count as known and a row may not name itself.

        Linear in the rows: a rejected row orphans the rows that name it (unless the id is stored),
        and those the rows naming them, so the rejections are followed along the references once."""
        stored = set(known)
        row_of = {getattr(m, self.key): i for i, (_, m) in enumerate(self.good)} if within else {}
        named_by: dict[str, list[int]] = {}  # id -> the good rows whose `name` is that row of this import
        problems: dict[int, str] = {}
        for i, (_, m) in enumerate(self.good):
            value = getattr(m, name)
            if value is None or value in stored and value != getattr(m, self.key):
                continue
            if within and value == getattr(m, self.key):
                problems[i] = "cannot name the row itself"
            elif value in row_of:
                named_by.setdefault(value, []).append(i)
            else:
                problems[i] = f"unknown rep {value!r}"
        orphaned = list(problems)
        while orphaned:
            for i in named_by.get(getattr(self.good[orphaned.pop()][1], self.key), ()):
                if i not in problems:
                    problems[i] = f"unknown rep {getattr(self.good[i][1], name)!r}"
                    orphaned.append(i)
        self.bad += [(row, [(name, problems[i])]) for i, (row, _) in enumerate(self.good) if i in problems]
        self.good = [pair for i, pair in enumerate(self.good) if i not in problems]

    def refuse_taken_domains(self: "ImportCheck[AccountIn]", owners: Mapping[str, str]) -> None:
        """Rejects rows claiming a domain another account holds, stored or earlier in this import."""
        claimed, good = dict(owners), []
        for row, m in self.good:
            taken = [d for d in m.domains if claimed.get(d, m.account_id) != m.account_id]
            if taken:
                self.reject(row, [("domains", f"{d} belongs to account {claimed[d]!r}") for d in taken])
            else:
                claimed.update(dict.fromkeys(m.domains, m.account_id))
                good.append((row, m))
        self.good = good

    @property
    def rejected(self) -> list[Rejected]:
        out = [Rejected(line=row.line, index=row.index, id=row.id(self.key),
                        fields=[FieldError(field=row.label(p), message=m) for p, m in problems])
               for row, problems in self.bad]
        # Every row is a CSV line or a JSON array item: one of the two is set.
        return sorted(out, key=lambda r: cast(int, r.line if r.line is not None else r.index))

    def accepted(self, partial: bool) -> list[M]:
        """The models to write; any bad row refuses them all unless `partial`."""
        if self.bad and not partial:
            fields = [f for r in self.rejected for f in r.fields]
            raise ApiError(422, "invalid", f"{len(self.bad)} of {self.total} rows are not valid;"
                           " nothing was imported (?partial=true imports the valid rows)", fields)
        return [m for _, m in self.good]


def check_rows(rows: list[Row], model: type[M], key: str, stored: Mapping[str, Mapping[str, Any]]) -> ImportCheck[M]:
    """Each row validated on its own, merged over the stored record it updates; repeated ids refused."""
    check: ImportCheck[M] = ImportCheck(key, total=len(rows))
    seen: set[str] = set()
    for row in rows:
        row_id = row.id(key)
        if row.problems or not isinstance(row.values, dict):
            check.reject(row, list(row.problems) or [("", "expected an object")])
        elif row_id in seen:  # None is never added: rows without an id fail validation instead
            check.reject(row, [(key, f"{row_id!r} appears more than once in this import")])
        else:
            base: Mapping[str, Any] = {}  # the stored record this row updates, if any
            if row_id is not None:
                seen.add(row_id)
                base = stored.get(row_id, {})
            try:
                check.good.append((row, model.model_validate(_merge(base, row.values))))
            except ValidationError as exc:
                check.reject(row, [(f.field.replace("(body)", ""), f.message) for f in field_errors(exc)])
    return check
