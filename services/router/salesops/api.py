"""The sales-ops model through the API: reps, pools, accounts, routing rules and their audit log.

`ops` writes; `marketing`, `sales` and `ops` read; `admin` always may. Every write bumps the
entity's version and adds an audit row (the caller's key, the snapshot after) in its transaction.
"""

from collections.abc import Collection, Sequence
from typing import Annotated, Literal, cast

import asyncpg
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.router.routing.domain.rules import RuleSet
from services.router.salesops.importing import ACCOUNT_CSV, REP_CSV, check_rows, read_rows
from services.router.salesops.models import (
    ID_PATTERN,
    AccountFields,
    AccountIn,
    AccountOut,
    AuditEntry,
    ImportResult,
    PoolIn,
    PoolOut,
    RepFields,
    RepIn,
    RepOut,
    RuleSetOut,
    RuleSetStored,
)
from services.router.salesops.seeding import snapshots
from services.router.salesops.store import SalesOpsRepository
from services.shared.auth import READERS, Principal, require_role
from services.shared.deps import PoolDep, SettingsDep
from services.shared.documents import off_the_loop
from services.shared.edge import edge
from services.shared.errors import ApiError, FieldError, error_responses

Writer = Annotated[Principal, Depends(require_role("ops"))]
PathId = Annotated[str, Path(pattern=ID_PATTERN)]
Partial = Annotated[bool, Query(description="Import the valid rows and return the rejected ones")]


def _invalid(message: str, problems: Sequence[tuple[str, str]], status: int = 422) -> ApiError:
    fields = [FieldError(field=f, message=m) for f, m in problems]
    return ApiError(status, "conflict" if status == 409 else "invalid", message, fields)


def _same_id(body_id: str | None, path_id: str, name: str) -> None:
    if body_id not in (None, path_id):
        raise _invalid(f"{name} in the body differs from the path", [(name, f"expected {path_id!r}")])


async def _known_rep(repo: SalesOpsRepository, name: str, rep_id: str | None, self_id: str | None = None) -> None:
    """422 naming `name` unless it is null or an existing rep other than `self_id`."""
    if rep_id is not None and rep_id == self_id:
        raise _invalid("a rep cannot be their own manager", [(name, "names the rep itself")])
    if rep_id is not None and not await repo.existing_rep_ids([rep_id]):
        raise _invalid(f"no rep {rep_id!r}", [(name, f"unknown rep {rep_id!r}")])


async def _save_reps(repo: SalesOpsRepository, reps: Sequence[RepFields], who: Principal, action: str,
                     *, replace: bool = True) -> list[RepOut]:
    written = await repo.write_reps(reps, replace=replace)
    return await _audit_reps(repo, written, who, action)


async def _audit_reps(repo: SalesOpsRepository, ids: Collection[str], who: Principal, action: str) -> list[RepOut]:
    saved = await repo.reps(ids)
    await repo.audit("rep", action, who.key_id, snapshots(saved, "rep_id"))
    return saved


async def _locked_rep(repo: SalesOpsRepository, rep_id: str) -> RepOut:
    found = await repo.reps([rep_id], lock=True)
    if not found:
        raise ApiError(404, "not_found", f"no rep {rep_id!r}")
    return found[0]


def _rep_routes(router: APIRouter) -> None:
    @router.post("/v1/reps", status_code=201, response_model=RepOut, responses=error_responses(409, 422))
    async def create_rep(body: RepIn, who: Writer, db: PoolDep) -> RepOut:
        """Creates a rep; 409 when the id is taken."""
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            await _known_rep(repo, "manager_id", body.manager_id, body.rep_id)
            saved = await _save_reps(repo, [body], who, "created", replace=False)
        if not saved:
            raise _invalid(f"rep {body.rep_id!r} already exists", [("rep_id", "taken")], status=409)
        return saved[0]

    @router.get("/v1/reps", response_model=list[RepOut], dependencies=[Depends(READERS)])
    async def list_reps(db: PoolDep, active: bool | None = None) -> list[RepOut]:
        """Every rep by id; `active` filters."""
        async with db.acquire() as conn:
            return await SalesOpsRepository(conn).reps(active=active)

    @router.get("/v1/reps/{rep_id}", response_model=RepOut, dependencies=[Depends(READERS)],
                responses=error_responses(404))
    async def get_rep(rep_id: str, db: PoolDep) -> RepOut:
        """One rep with calendar, time off and capacity."""
        async with db.acquire() as conn:
            found = await SalesOpsRepository(conn).reps([rep_id])
        if not found:
            raise ApiError(404, "not_found", f"no rep {rep_id!r}")
        return found[0]

    @router.put("/v1/reps/{rep_id}", response_model=RepOut, responses=error_responses(404, 422))
    async def replace_rep(rep_id: str, body: RepFields, who: Writer, db: PoolDep) -> RepOut:
        """Replaces a rep, out-of-office periods included; 404 when there is none."""
        _same_id(body.rep_id, rep_id, "rep_id")
        rep = body.model_copy(update={"rep_id": rep_id})
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            await _locked_rep(repo, rep_id)
            await _known_rep(repo, "manager_id", rep.manager_id, rep_id)
            return (await _save_reps(repo, [rep], who, "updated"))[0]

    @router.delete("/v1/reps/{rep_id}", response_model=RepOut, responses=error_responses(404))
    async def deactivate_rep(rep_id: str, who: Writer, db: PoolDep) -> RepOut:
        """Deactivates a rep; the row stays, since assignments name it."""
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            rep = await _locked_rep(repo, rep_id)
            if not rep.active:
                return rep  # nothing changes, so no new version
            await repo.deactivate_rep(rep_id)
            return (await _audit_reps(repo, [rep_id], who, "deactivated"))[0]

    @router.post("/v1/reps/import", response_model=ImportResult, responses=error_responses(400, 413, 415, 422),
                 openapi_extra=edge("key", body="imports"))
    async def import_reps(request: Request, who: Writer, db: PoolDep, settings: SettingsDep,
                          partial: Partial = False) -> ImportResult:
        """Creates or updates reps from text/csv or a JSON array; all or nothing unless ?partial=true."""
        rows = await read_rows(request, settings.max_import_bytes, REP_CSV)
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            stored = await repo.reps({i for r in rows if (i := r.id("rep_id")) is not None}, lock=True)
            check = await off_the_loop(check_rows, rows, RepIn, "rep_id", {r.rep_id: r.editable() for r in stored})
            managers = {m.manager_id for _, m in check.good if m.manager_id}
            check.require_references("manager_id", await repo.existing_rep_ids(managers), within=True)
            reps = check.accepted(partial)
            if reps:
                await _save_reps(repo, reps, who, "imported")
        return ImportResult(imported=len(reps), rejected=check.rejected)


def _pool_routes(router: APIRouter) -> None:
    @router.put("/v1/pools/{pool_id}", response_model=PoolOut,
                responses={201: {"model": PoolOut, "description": "Created"}})
    async def put_pool(pool_id: PathId, body: PoolIn, who: Writer, db: PoolDep, response: Response) -> PoolOut:
        """Creates (201) or replaces a pool; new members join at the pool's virtual time, with no burst."""
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            unknown = sorted(set(body.members) - await repo.existing_rep_ids(body.members))
            if unknown:
                raise _invalid("members name unknown reps", [(f"members.{r}", "unknown rep") for r in unknown])
            created = await repo.put_pool(pool_id, body)
            saved = await repo.pools(pool_id)
            await repo.audit("pool", "created" if created else "updated", who.key_id, snapshots(saved, "pool_id"))
        response.status_code = 201 if created else 200
        return saved[0]

    @router.get("/v1/pools", response_model=list[PoolOut], dependencies=[Depends(READERS)])
    async def list_pools(db: PoolDep) -> list[PoolOut]:
        """Every pool with its members, weights and rotation state."""
        async with db.acquire() as conn:
            return await SalesOpsRepository(conn).pools()

    @router.get("/v1/pools/{pool_id}", response_model=PoolOut, dependencies=[Depends(READERS)],
                responses=error_responses(404))
    async def get_pool(pool_id: str, db: PoolDep) -> PoolOut:
        """One pool with its members' weights and pass values and its virtual time."""
        async with db.acquire() as conn:
            found = await SalesOpsRepository(conn).pools(pool_id)
        if not found:
            raise ApiError(404, "not_found", f"no pool {pool_id!r}")
        return found[0]


async def _save_accounts(repo: SalesOpsRepository, accounts: Sequence[AccountFields], who: Principal,
                         action: str) -> list[AccountOut]:
    try:
        await repo.write_accounts(accounts)
    except asyncpg.UniqueViolationError as exc:  # another writer claimed a domain since we checked
        raise ApiError(409, "conflict", f"a domain was just claimed by another account; retry ({exc.detail})") from exc
    saved = await repo.accounts([cast(str, a.account_id) for a in accounts])  # the callers set every id
    await repo.audit("account", action, who.key_id, snapshots(saved, "account_id"))
    return saved


def _account_routes(router: APIRouter) -> None:
    @router.put("/v1/accounts/{account_id}", response_model=AccountOut,
                responses={201: {"model": AccountOut, "description": "Created"}, **error_responses(409)})
    async def put_account(account_id: PathId, body: AccountFields, who: Writer, db: PoolDep,
                          response: Response) -> AccountOut:
        """Creates (201) or replaces an account; 409 names a domain that is another account's."""
        _same_id(body.account_id, account_id, "account_id")
        account = body.model_copy(update={"account_id": account_id})
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            existed = bool(await repo.accounts([account_id], lock=True))
            await _known_rep(repo, "owner_rep_id", account.owner_rep_id)
            owners = await repo.domain_owners(account.domains)
            taken = [(f"domains[{i}]", f"{d} belongs to account {owners[d]!r}")
                     for i, d in enumerate(account.domains) if owners.get(d, account_id) != account_id]
            if taken:
                raise _invalid("domains belong to other accounts", taken, status=409)
            saved = await _save_accounts(repo, [account], who, "updated" if existed else "created")
        response.status_code = 200 if existed else 201
        return saved[0]

    @router.get("/v1/accounts", response_model=list[AccountOut], dependencies=[Depends(READERS)])
    async def list_accounts(db: PoolDep) -> list[AccountOut]:
        """Every account with its domains."""
        async with db.acquire() as conn:
            return await SalesOpsRepository(conn).accounts()

    @router.get("/v1/accounts/{account_id}", response_model=AccountOut, dependencies=[Depends(READERS)],
                responses=error_responses(404))
    async def get_account(account_id: str, db: PoolDep) -> AccountOut:
        """One account with its domains and owner."""
        async with db.acquire() as conn:
            found = await SalesOpsRepository(conn).accounts([account_id])
        if not found:
            raise ApiError(404, "not_found", f"no account {account_id!r}")
        return found[0]

    @router.post("/v1/accounts/import", response_model=ImportResult, responses=error_responses(400, 413, 415, 422),
                 openapi_extra=edge("key", body="imports"))
    async def import_accounts(request: Request, who: Writer, db: PoolDep, settings: SettingsDep,
                              partial: Partial = False) -> ImportResult:
        """Creates or updates accounts from text/csv or a JSON array; all or nothing unless ?partial=true."""
        rows = await read_rows(request, settings.max_import_bytes, ACCOUNT_CSV)
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            ids = {i for r in rows if (i := r.id("account_id")) is not None}
            stored = await repo.accounts(ids, lock=True)
            check = await off_the_loop(check_rows, rows, AccountIn, "account_id",
                                       {a.account_id: a.editable() for a in stored})
            owners = {m.owner_rep_id for _, m in check.good if m.owner_rep_id}
            check.require_references("owner_rep_id", await repo.existing_rep_ids(owners), within=False)
            check.refuse_taken_domains(await repo.domain_owners({d for _, m in check.good for d in m.domains}))
            accounts = check.accepted(partial)
            if accounts:
                await _save_accounts(repo, accounts, who, "imported")
        return ImportResult(imported=len(accounts), rejected=check.rejected)


def _rule_routes(router: APIRouter) -> None:
    @router.put("/v1/routing/rules", response_model=RuleSetStored)
    async def put_rules(body: RuleSet, who: Writer, db: PoolDep, allow_gaps: Annotated[bool, Query(
            description="Store a rule set that can route some leads nowhere; the gaps come back as warnings")] = False,
    ) -> RuleSetStored:
        """Stores a new version of the ordered rule set; the newest version is in force."""
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            pools = await repo.pool_member_counts()
            unknown = body.validate_references(pools, await repo.existing_rep_ids())
            if unknown:
                raise _invalid("the rules name pools or reps that do not exist", unknown)
            # Each problem reads "path: message".
            gaps = [cast(tuple[str, str], tuple(p.split(": ", 1))) for p in body.coverage_problems(pools)]
            if gaps and not allow_gaps:
                raise _invalid("the rules can route leads nowhere (?allow_gaps=true stores them anyway)", gaps)
            # Aliases ("in") and no nulls: the stored document reads back as the same RuleSet.
            rules = body.model_dump(mode="json", by_alias=True, exclude_none=True)["rules"]
            stored = RuleSetOut(**dict(await repo.add_rule_set(rules, who.key_id)))
            await repo.audit("rule_set", "created", who.key_id, [(str(stored.version), stored.version,
                                                                  stored.model_dump(mode="json"))])
        return RuleSetStored(**stored.model_dump(), warnings=[FieldError(field=f, message=m) for f, m in gaps])

    @router.get("/v1/routing/rules", response_model=RuleSetOut, dependencies=[Depends(READERS)],
                responses=error_responses(404))
    async def get_rules(db: PoolDep) -> RuleSetOut:
        """The rule set in force: the newest version."""
        async with db.acquire() as conn:
            row = await SalesOpsRepository(conn).newest_rule_set()
        if row is None:
            raise ApiError(404, "not_found", "no rule set stored yet")
        return RuleSetOut(**dict(row))

    @router.get("/v1/audit", response_model=list[AuditEntry], dependencies=[Depends(require_role("ops"))])
    async def audit_log(db: PoolDep,
                        entity: Literal["rep", "pool", "account", "rule_set", "account_match"] | None = None,
                        entity_id: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=200)] = 200) -> list[AuditEntry]:
        """Changes to the sales-ops model, newest first."""
        async with db.acquire() as conn:
            rows = await SalesOpsRepository(conn).audit_entries(entity, entity_id, limit)
        return [AuditEntry(**dict(r)) for r in rows]


def sales_ops_router() -> APIRouter:
    """Routes for reps, pools, accounts, routing rules and the audit log."""
    router = APIRouter(tags=["sales ops"], responses=error_responses(401, 403, 422))
    for add_routes in (_rep_routes, _pool_routes, _account_routes, _rule_routes):
        add_routes(router)
    return router
