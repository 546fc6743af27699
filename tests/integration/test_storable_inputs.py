"""Property: no event or agreement is accepted and then fails to store (#18).

Hypothesis generates JSON-ish values with the hostile parts in (NaN and Infinity, integers past 64
bits, NUL and bidi characters, deep nesting, dates at the ends of the calendar and odd offsets) and
validates them as the services do. Whatever validates goes the whole way a real input goes: encoded
as the record the service produces, decoded back as a consumer decodes it, and stored in the real
PostgreSQL test database through the services' own repositories and codecs, in a transaction
that is rolled back.
"""

import copy
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.bounds import arrival_context, check_json
from schemas.events import EngagementRecorded
from schemas.messages import TOPIC_ADAPTERS, CrmActivityEvent, EngagementEvent
from schemas.topics import Topic
from services.agreement.document import AgreementDocument
from services.agreement.text import AgreementInvalid, dump_agreement, parse_agreement
from services.scorer.agreements.store import AgreementRepository
from services.scorer.scoring.store import ScorerRepository
from services.shared import cloudevents
from tests.support.agreements import example_document

SKEW = timedelta(minutes=5)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# Text with the characters storage and lead keys care about, mixed into ordinary ones.
CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    ["\x00", "\u202e", "\u2066", "\x1b", "é", "İ", "@", ".", ":"])
TEXT = st.text(CHARS, max_size=24)
NUMBERS = (st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([2**63 - 1, 2**63, -(2**63), 2**64]))
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                       max_leaves=30)
PLAIN_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24).filter(lambda t: "\x00" not in t),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)),
                         timezone(timedelta(hours=5, minutes=30))])
TIMES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59), timezones=ZONES)
NEAR_NOW = st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(minutes=10)).map(
    lambda d: datetime.now(UTC) + d)
TIME_VALUES = (TIMES | NEAR_NOW).map(lambda t: t.isoformat()) | st.sampled_from(
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "1899-12-31T23:59:59Z", "2026-02-30T00:00:00Z"])


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    return value


EMAILS = st.emails().map(str) | st.builds(lambda a, b: f"{a}@{b}.com", TEXT, TEXT)


def _mostly(draw: st.DrawFn, plain: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> Any:
    """A plain value seven times in ten, else a hostile one: enough inputs validate for the property to bite."""
    return draw(plain if draw(st.integers(0, 9)) < 7 else hostile)


PLAIN_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf")), min_size=1, max_size=24)
PAST = st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(0)).map(
    lambda d: (datetime.now(UTC) + d).isoformat())


@st.composite
def attributes(draw: st.DrawFn) -> dict[str, Any]:
    return {draw(_key_text(draw)): _mostly(draw, PLAIN_JSON, JSONISH | st.integers(25, 40).map(_deep))
            for _ in range(draw(st.integers(0, 5)))} if draw(st.integers(0, 19)) else {"x": _deep(254)}


def _key_text(draw: st.DrawFn) -> st.SearchStrategy[str]:
    return PLAIN_TEXT if draw(st.integers(0, 9)) < 8 else TEXT


@st.composite
def engagement_events(draw: st.DrawFn) -> dict[str, Any]:
    """A structured-mode engagement CloudEvent: plausible in shape, hostile in some of its values."""
    data = {"source": _mostly(draw, st.just("api"), TEXT),
            "activity": draw(st.sampled_from(["page_view", "demo_request"])),
            "occurred_at": _mostly(draw, PAST, TIME_VALUES), "attributes": draw(attributes())}
    for name, values in (("email", EMAILS), ("external_id", PLAIN_TEXT), ("url", PLAIN_TEXT), ("form", PLAIN_TEXT),
                         ("campaign", PLAIN_TEXT)):
        if draw(st.booleans()):
            data[name] = _mostly(draw, values, TEXT | JSONISH)
    if "email" not in data and "external_id" not in data:
        data["email"] = draw(st.emails().map(str))
    event = {"specversion": "1.0", "id": _mostly(draw, st.uuids().map(str), TEXT), "source": "fuzz",
             "type": "handoff.engagement.recorded", "data": data}
    if draw(st.booleans()):
        event["time"] = _mostly(draw, PAST, TIME_VALUES)
    if draw(st.integers(0, 4)) == 0:
        event.update(draw(st.dictionaries(st.from_regex(r"[a-z0-9]{1,22}", fullmatch=True), SCALARS, max_size=3)))
    return event


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: jsonb keeps numbers as numeric, so 1.5e16 may come back as an integer."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _accepted(adapter: Any, raw: dict[str, Any]) -> Any:
    try:
        return adapter.validate_python(raw, context=arrival_context(datetime.now(UTC), SKEW))
    except ValidationError:
        return None


def test_the_generators_yield_accepted_inputs_often_enough_to_test_storage() -> None:
    seen: list[bool] = []

    @given(engagement_events(), agreement_texts())
    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=True)
    def sample(raw: dict[str, Any], text: str) -> None:
        event = _accepted(TOPIC_ADAPTERS[Topic.ENGAGEMENT], raw)
        try:
            parse_agreement(text, "json")
            agreement = True
        except AgreementInvalid:
            agreement = False
        seen.append(event is not None)
        seen_agreements.append(agreement)

    seen_agreements: list[bool] = []
    sample()
    print(f"accepted: {sum(seen)} of {len(seen)} events, {sum(seen_agreements)} of {len(seen_agreements)} agreements")
    assert sum(seen) >= len(seen) // 10 and sum(seen_agreements) >= len(seen_agreements) // 40


def _round_trip(event: Any, topic: Topic) -> Any:
    """The event as a consumer of `topic` decodes the record the service produced."""
    return cloudevents.decode(TOPIC_ADAPTERS[topic], cloudevents.encode(event))


@given(engagement_events())
@FUZZ
async def test_an_accepted_engagement_event_is_stored(db: asyncpg.Pool, raw: dict[str, Any]) -> None:
    event = _accepted(TOPIC_ADAPTERS[Topic.ENGAGEMENT], raw)
    if event is None:
        return
    decoded = _round_trip(event, Topic.ENGAGEMENT)
    assert isinstance(decoded, EngagementEvent) and decoded.data == event.data
    async with db.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            keys = {decoded.dedupe_key: decoded.data.lead_key}
            recorded = await ScorerRepository(conn).record_engagements([decoded], keys)
            assert decoded.dedupe_key in recorded.fresh
            # And it reads back as what it was: the payload validates again, the lead's attributes too.
            payload = await conn.fetchval("SELECT payload FROM scorer.engagement_events WHERE event_key = $1",
                                          decoded.dedupe_key)
            again = EngagementRecorded.model_validate(payload)
            assert same_json(again.model_dump(mode="json"), decoded.data.model_dump(mode="json"))
            attributes = await conn.fetchval("SELECT attributes FROM scorer.leads WHERE lead_key = $1",
                                             decoded.data.lead_key)
            assert same_json(check_json(attributes), decoded.data.attributes)
        finally:
            await transaction.rollback()


@given(st.fixed_dictionaries({
    "activity_id": TEXT | st.uuids().map(str), "lead_key": EMAILS | TEXT, "kind": st.sampled_from(["call", "status"]),
    "status": st.none() | st.sampled_from(["accepted", "won"]) | TEXT, "reason": st.none() | TEXT | JSONISH,
    "rep_id": st.none() | TEXT, "occurred_at": TIME_VALUES}))
@FUZZ
async def test_an_accepted_crm_activity_is_stored(db: asyncpg.Pool, data: dict[str, Any]) -> None:
    event = _accepted(TOPIC_ADAPTERS[Topic.CRM_ACTIVITY], {"id": "fuzz", "source": "fuzz",
                                                         "type": "handoff.crm.activity", "data": data})
    if event is None:
        return
    decoded = _round_trip(event, Topic.CRM_ACTIVITY)
    assert isinstance(decoded, CrmActivityEvent)
    a = decoded.data
    async with db.acquire() as conn, conn.transaction():
        # The columns router.crm_activities keeps (text, timestamptz) and the payload as jsonb.
        await conn.execute("CREATE TEMP TABLE fuzz_activity (id text, lead_key text, rep_id text, status text,"
                           " reason text, occurred_at timestamptz, payload jsonb) ON COMMIT DROP")
        await conn.execute("INSERT INTO fuzz_activity VALUES ($1, $2, $3, $4, $5, $6, $7)", a.activity_id,
                           a.lead_key, a.rep_id, a.status, a.reason, a.occurred_at, a.model_dump(mode="json"))
        await conn.execute("DROP TABLE fuzz_activity")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document a value could be replaced."""
    here = [path] if path else []
    if isinstance(value, dict):
        return here + [p for k, v in value.items() for p in _paths(v, (*path, k))]
    if isinstance(value, list):
        return here + [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return here


EXAMPLE = example_document()
PATHS = _paths(EXAMPLE)


def _like(old: Any) -> st.SearchStrategy[Any]:
    """A hostile value, of the replaced one's kind half the time (so that many documents still validate)."""
    anything = JSONISH | TIME_VALUES | st.sampled_from([math.nan, math.inf, "(a|a)*$", r"(a)\1"])
    if isinstance(old, bool) or old is None:
        return anything
    if isinstance(old, int | float):
        return NUMBERS | anything
    if isinstance(old, str):
        return TEXT | st.sampled_from(["(a|a)*$", r"(a)\1", "x" * 5001]) | anything
    return anything


@st.composite
def agreement_texts(draw: st.DrawFn) -> str:
    """The example agreement with up to three values replaced by hostile ones, as JSON text (NaN allowed)."""
    document = copy.deepcopy(EXAMPLE)
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=3)):
        target = document
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = draw(_like(target[path[-1]]))
        except (KeyError, IndexError, TypeError):  # an earlier replacement removed the place
            continue
    return json.dumps(document)


@given(agreement_texts())
@FUZZ
async def test_an_accepted_agreement_is_stored(db: asyncpg.Pool, text: str) -> None:
    try:
        parsed = parse_agreement(text, "json")
    except AgreementInvalid:
        return
    document = dump_agreement(parsed)
    async with db.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            repo = AgreementRepository(conn)
            version = await repo.create(document["name"], document, "json", text, "fuzz")
            stored = await repo.get(version)
            # What the services read back is the same agreement. (Not the same JSON: jsonb keeps numbers as
            # numeric, so the float 2**63 comes back as the integer 9223372036854776000, equal as a float.)
            assert stored is not None and AgreementDocument.model_validate(stored.document) == parsed
        finally:
            await transaction.rollback()
