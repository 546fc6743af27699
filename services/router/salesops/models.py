"""Request and response models of the sales-ops API: reps, pools, accounts, rule sets, audit."""

from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    NonNegativeInt,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)

from schemas.bounds import Strict
from services.agreement.domains import registrable_domain
from services.router.routing.domain.distribution import Distribution
from services.router.routing.domain.skills import SkillNeed
from services.router.sla.domain.business_clock import WorkingHours
from services.shared.errors import FieldError

# Ids travel in URL paths, so no spaces or slashes.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
EntityId = Annotated[str, Field(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


def _domain(value: str) -> str:
    found = registrable_domain(value)
    if found is None:
        raise ValueError(f"not a domain, email or URL with a known public suffix: {value!r}")
    return found


Domain = Annotated[str, AfterValidator(_domain)]


class _Strict(Strict):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently ignored


class WorkingHoursIn(_Strict):
    days: list[Annotated[int, Field(ge=0, le=6)]] = Field(default=[0, 1, 2, 3, 4], max_length=7)
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: list[date] = Field(default=[], max_length=400)

    @model_validator(mode="after")
    def _a_valid_calendar(self) -> "WorkingHoursIn":
        # The routing clock's own checks (weekday numbers, naive times, end after start).
        WorkingHours("UTC", frozenset(self.days), self.start, self.end, frozenset(self.holidays))
        self.days, self.holidays = sorted(set(self.days)), sorted(set(self.holidays))
        return self

    @field_serializer("start", "end")
    def _hh_mm(self, t: time) -> str:
        return t.strftime("%H:%M") if not (t.second or t.microsecond) else t.isoformat()


class Capacity(_Strict):
    max_open: NonNegativeInt | None = None  # None: no cap
    max_new_per_day: NonNegativeInt | None = None


class OutOfOffice(_Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _ends_after_start(self) -> "OutOfOffice":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


SkillKey = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                            pattern=r"^[a-z0-9][a-z0-9_.:-]{0,63}$")]
LanguageKey = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                               pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")]
Level = Annotated[int, Field(ge=1, le=5)]


class RepFields(_Strict):
    """A rep as sent to PUT /v1/reps/{rep_id}: rep_id may be left out (the path names the rep)."""

    rep_id: EntityId | None = None
    name: Name
    email: EmailStr | None = None
    team: Label | None = None
    manager_id: EntityId | None = None
    time_zone: str = "UTC"
    working_hours: WorkingHoursIn = Field(default_factory=WorkingHoursIn)
    out_of_office: list[OutOfOffice] = Field(default=[], max_length=200)
    capacity: Capacity = Field(default_factory=Capacity)
    active: bool = True
    skills: dict[SkillKey, Level] = Field(default={}, max_length=100)  # e.g. {"enterprise": 3}
    languages: dict[LanguageKey, Level] = Field(default={}, max_length=50)  # e.g. {"de": 5, "en": 4}

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        WorkingHours(time_zone=v)  # the same check the routing clock applies
        return v

    @field_validator("out_of_office")
    @classmethod
    def _no_overlap(cls, periods: list[OutOfOffice]) -> list[OutOfOffice]:
        periods = sorted(periods, key=lambda p: p.starts_at)
        for before, after in zip(periods, periods[1:]):
            if after.starts_at < before.ends_at:
                raise ValueError(f"periods overlap at {after.starts_at.isoformat()}")
        return periods


class RepIn(RepFields):
    rep_id: EntityId


class RepOut(RepIn):
    unavailable_since: datetime | None = None  # set by the SLA clock after missed first touches
    unavailable_reason: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime

    def editable(self) -> dict[str, Any]:
        """The fields a write may change, as JSON-ready data (what an import merges onto)."""
        return self.model_dump(mode="json", include=set(RepIn.model_fields))


class PoolIn(_Strict):
    name: Name
    respect_working_hours: bool = False
    distribution: Distribution = "round_robin"  # or "least_busy": fewest open leads for the weight
    # Opt-in: a member who misses this many first-touch SLAs in a row on this pool's leads is set
    # unavailable until a manager clears it (POST /v1/reps/{rep_id}/clear-unavailable).
    unavailable_after_misses: Annotated[int, Field(ge=1, le=20)] | None = None
    skills: list[SkillNeed] = Field(default=[], max_length=25)  # what every lead of the pool needs
    members: dict[EntityId, Annotated[int, Field(ge=1)]] = Field(default={}, max_length=2000)


class MemberOut(BaseModel):
    rep_id: str
    weight: int
    pass_value: float


class PoolOut(BaseModel):
    pool_id: str
    name: str
    respect_working_hours: bool
    distribution: Distribution
    unavailable_after_misses: int | None
    skills: list[dict[str, Any]]
    virtual_time: float
    members: list[MemberOut]
    version: int
    updated_at: datetime


class AccountFields(_Strict):
    """An account as sent to PUT /v1/accounts/{account_id}; domains in any form, stored registrable."""

    account_id: EntityId | None = None
    name: Name
    owner_rep_id: EntityId | None = None
    key_account: bool = False
    domains: list[Domain] = Field(default=[], max_length=200)

    @field_validator("domains")
    @classmethod
    def _unique(cls, domains: list[str]) -> list[str]:
        return list(dict.fromkeys(domains))  # "www.acme.com" and "acme.com" are one domain


class AccountIn(AccountFields):
    account_id: EntityId


class AccountOut(AccountIn):
    version: int
    updated_at: datetime

    def editable(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include=set(AccountIn.model_fields))


class RuleSetOut(BaseModel):
    version: int
    rules: list[dict[str, Any]]
    created_by: str
    created_at: datetime


class RuleSetStored(RuleSetOut):
    warnings: list[FieldError] = []  # coverage problems accepted with ?allow_gaps=true


class AuditEntry(BaseModel):
    id: int
    entity: str
    entity_id: str
    version: int
    action: str
    key_id: str
    at: datetime
    after: dict[str, Any] | None


class Rejected(BaseModel):
    line: int | None = None  # CSV line; the header is line 1
    index: int | None = None  # position in a JSON array
    id: str | None = None
    fields: list[FieldError]


class ImportResult(BaseModel):
    imported: int
    rejected: list[Rejected] = []
