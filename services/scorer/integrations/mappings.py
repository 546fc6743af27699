"""Which tool events and fields become which activities and lead attributes: configuration, not code.

The defaults below are the documented ones (deploy/integrations/mappings.yaml lists them, a test
keeps the two equal). A file named by HANDOFF_INTEGRATION_MAPPINGS replaces each map it writes
(`mautic.events`, `segment.traits`, ...) as a whole; maps it leaves out keep their defaults. An
activity of `null` ignores that event type, call or event name.
"""

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from schemas.bounds import Strict
from schemas.events import Activity, ActivityKind
from services.shared.documents import DocumentUnreadable, load_document

A = ActivityKind


class Attribute(Strict):
    """Where a tool's field lands among the lead's attributes, and how its value is read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attribute: str = Field(min_length=1, max_length=100)
    # Tools send numbers as text (HubSpot always does); the agreement's ranges need numbers.
    type: Literal["as_sent", "string", "integer", "number"] = "as_sent"


def _short_form(value: Any) -> Any:
    return {"attribute": value} if isinstance(value, str) else value


AttributeSpec = Annotated[Attribute, BeforeValidator(_short_form)]
Activities = dict[str, Activity | None]  # a built-in kind or a custom one the agreement declares
Attributes = dict[str, AttributeSpec]


def normalized_name(name: str) -> str:
    """`Demo Requested`, `demo_requested` and `demo-requested ` all read as `demo requested`."""
    return re.sub(r"[\s_\-]+", " ", name).strip().lower()


class _Section(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)  # defaults in short form too


class MauticMappings(_Section):
    events: Activities = {
        "mautic.lead_post_save_new": A.PROFILE_UPDATED, "mautic.lead_post_save_update": A.PROFILE_UPDATED,
        "mautic.lead_points_change": A.PROFILE_UPDATED, "mautic.form_on_submit": A.FORM_SUBMIT,
        "mautic.page_on_hit": A.PAGE_VIEW, "mautic.email_on_open": A.EMAIL_OPEN,
    }
    # Field(validate_default=True) lets a default be written in short form: only validation makes it Attributes.
    fields: Attributes = Field({  # contact field alias -> attribute
        "company": "company", "position": "title", "country": "country",
        "website": "website", "industry": "industry",
        "employees": {"attribute": "employees", "type": "integer"},
    }, validate_default=True)
    email_field: str = "email"


class HubSpotMappings(_Section):
    events: Activities = {"contact.creation": A.PROFILE_UPDATED, "contact.propertyChange": A.PROFILE_UPDATED}
    properties: Attributes = Field({  # contact property -> attribute
        "company": "company", "jobtitle": "title",
        "numberofemployees": {"attribute": "employees", "type": "integer"}, "country": "country",
        "industry": "industry", "website": "website",
        "lifecyclestage": "lifecycle_stage",
    }, validate_default=True)
    email_property: str = "email"


class SegmentMappings(_Section):
    calls: Activities = {"identify": A.PROFILE_UPDATED, "group": A.PROFILE_UPDATED, "page": A.PAGE_VIEW}
    events: Activities = {  # track event name (compared normalized) -> activity
        "Signed Up": A.SIGNED_UP, "Account Created": A.SIGNED_UP, "Trial Started": A.TRIAL_STARTED,
        "Demo Requested": A.DEMO_REQUEST, "Form Submitted": A.FORM_SUBMIT, "Webinar Attended": A.WEBINAR_ATTENDED,
        "Content Downloaded": A.CONTENT_DOWNLOAD, "Whitepaper Downloaded": A.CONTENT_DOWNLOAD,
        "Pricing Viewed": A.PRICING_VIEW, "Email Opened": A.EMAIL_OPEN, "Email Link Clicked": A.EMAIL_CLICK,
        "Unsubscribed": A.UNSUBSCRIBED, "Email Bounced": A.EMAIL_BOUNCED,
    }
    traits: Attributes = Field({  # identify traits (dotted paths; also read from context.traits) -> attribute
        "company": {"attribute": "company", "type": "string"}, "company.name": "company",
        "title": "title", "industry": "industry",
        "company.industry": "industry", "employees": {"attribute": "employees", "type": "integer"},
        "company.employee_count": {"attribute": "employees", "type": "integer"},
        "website": "website", "address.country": "country",
    }, validate_default=True)
    group_traits: Attributes = Field({  # group traits: the account's -> the lead's attributes
        "name": "company", "employees": {"attribute": "employees", "type": "integer"},
        "industry": "industry", "website": "website",
        "address.country": "country",
    }, validate_default=True)
    email_trait: str = "email"

    @field_validator("events")
    @classmethod
    def _normalize(cls, events: Activities) -> Activities:
        return {normalized_name(name): kind for name, kind in events.items()}


class Mappings(_Section):
    """Every inbound adapter's mappings."""

    mautic: MauticMappings = MauticMappings()
    hubspot: HubSpotMappings = HubSpotMappings()
    segment: SegmentMappings = SegmentMappings()


class MappingsInvalid(ValueError):
    """The mappings file does not parse or validate; the message names each bad path."""


def parse_mappings(text: str, origin: str = "mappings") -> Mappings:
    """Mappings from YAML (or JSON) text; an empty document means the defaults."""
    try:  # JSON is YAML too; nesting bounded like every ops document
        document = load_document(text, "yaml")
    except DocumentUnreadable as exc:
        raise MappingsInvalid(f"{origin}: not YAML: {exc.message}") from exc
    try:
        return Mappings.model_validate(document or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
                             for e in exc.errors())
        raise MappingsInvalid(f"{origin}: {problems}") from exc


def load_mappings(path: Path | None) -> Mappings:
    """The file at `path`, or the built-in defaults when there is none."""
    if path is None:
        return Mappings()
    return parse_mappings(path.read_text(), str(path))
