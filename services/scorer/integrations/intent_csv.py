"""Intent signals as third-party intent providers export them: CSV with a header row. Pure.

Providers name their columns differently (Bombora's Company Surge export has `Domain`, `Topic Name`,
`Composite Score`; G2's buyer intent `Company Domain`, `Category`, `Intent Score`, `Date`), so each
field has aliases, compared ignoring case, spaces, `_` and `-`. A date without a time is midnight UTC.
"""

import csv
import io
import re
from typing import Any

from services.scorer.integrations.common import EmptyBatch, MalformedBody

ALIASES: dict[str, tuple[str, ...]] = {
    "account": ("account", "domain", "company domain", "account domain", "website", "company website"),
    "topic": ("topic", "topic name", "intent topic", "category", "keyword"),
    "strength": ("strength", "score", "composite score", "intent score", "surge score", "intensity"),
    "provider": ("provider", "source", "vendor"),
    "observed_at": ("observed at", "observed_at", "date", "week", "week of", "timestamp", "time", "observed"),
}
REQUIRED = ("account", "topic", "strength", "observed_at")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _normalized(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name).strip().lower()


def _columns(header: list[str]) -> dict[str, int]:
    """Field -> column index, by the first column whose name is one of the field's aliases."""
    names = [_normalized(h) for h in header]
    found: dict[str, int] = {}
    for field, aliases in ALIASES.items():
        wanted = {_normalized(a) for a in aliases}
        index = next((i for i, n in enumerate(names) if n in wanted), None)
        if index is not None:
            found[field] = index
    return found


def _instant(value: str) -> str:
    value = value.strip()
    return f"{value}T00:00:00+00:00" if _DATE.match(value) else value


def parse_intent_csv(text: str, provider: str | None = None, max_rows: int = 10_000) -> list[dict[str, Any]]:
    """The signals of a CSV export as dicts for IntentRecorded, row by row (line 2 is the first);
    `provider` fills rows without a provider column. MalformedBody names what is missing."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise EmptyBatch("the CSV is empty")
    columns = _columns(rows[0])
    missing = [f for f in REQUIRED if f not in columns]
    if "provider" not in columns and not provider:
        missing.append("provider")
    if missing:
        raise MalformedBody(
            f"the CSV header lacks {', '.join(missing)}: name the columns "
            + "; ".join(f"{f} ({', '.join(ALIASES[f])})" for f in missing)
            + (" or pass ?provider=" if "provider" in missing else ""))
    if len(rows) == 1:
        raise EmptyBatch("the CSV has a header and no rows")
    if len(rows) - 1 > max_rows:
        raise MalformedBody(f"a CSV holds at most {max_rows} rows")
    out = []
    for row in rows[1:]:
        cell = {f: row[i].strip() if i < len(row) else "" for f, i in columns.items()}
        item: dict[str, Any] = {**cell, "provider": cell.get("provider") or provider}
        item["observed_at"] = _instant(cell["observed_at"])
        out.append(item)
    return out
