"""The database itself refuses a second assignment of one qualification."""

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest


async def _assign(db, assignment_id: str, qualification_id: str, attempt: int = 1) -> None:
    await db.execute(
        "INSERT INTO router.assignments (assignment_id, qualification_id, lead_key, rep_id, rule, tier,"
        " routed_at, decision, attempt) VALUES ($1, $2, 'x@constraint.example', 'rep-solo', 'test', 'hot',"
        " $3, '{}'::jsonb, $4)", assignment_id, qualification_id, datetime.now(UTC), attempt)


async def test_a_second_assignment_of_one_qualification_is_refused(services, db):
    qualification = f"q-{uuid.uuid4().hex}"
    await _assign(db, f"a-{uuid.uuid4().hex}", qualification)
    with pytest.raises(asyncpg.UniqueViolationError):
        await _assign(db, f"a-{uuid.uuid4().hex}", qualification)


async def test_a_reassignment_is_a_new_attempt_of_the_same_qualification(services, db):
    qualification = f"q-{uuid.uuid4().hex}"
    await _assign(db, f"a-{uuid.uuid4().hex}", qualification)
    await _assign(db, f"a-{uuid.uuid4().hex}", qualification, attempt=2)
    assert await db.fetchval("SELECT count(*) FROM router.assignments WHERE qualification_id = $1",
                             qualification) == 2
