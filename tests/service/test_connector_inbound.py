"""The connectors' inbound readers with simple doubles of what Handoff knows and what the CRM answers
(no Kafka, no SQL, no HTTP)."""

from datetime import UTC, datetime

import pytest

from services.router.connectors.domain.mappings import HUBSPOT_DEFAULTS, SALESFORCE_DEFAULTS
from services.router.connectors.domain.salesforce import RecordChanged
from services.router.connectors.hubspot_inbound import read_webhook
from services.router.connectors.salesforce_inbound import read_changes
from services.router.connectors.sending import CrmRefused

AT = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
MS = int(AT.timestamp() * 1000)


class Known:
    """Handoff's side: which CRM record is which lead, which owner is which rep, who holds each lead."""

    def __init__(self, links: dict[str, str], owners: dict[str, str], holders: dict[str, str]) -> None:
        self.links, self.owners, self.holders = links, owners, holders

    async def leads_of(self, connector, external_ids):
        return {i: self.links[i] for i in external_ids if i in self.links}

    async def rep_of(self, connector, owner_id):
        return self.owners.get(owner_id)

    async def current_rep(self, lead_key):
        return self.holders.get(lead_key)


class Records:
    """The CRM's side: records by API path; `down` makes every read fail as a 503 would."""

    def __init__(self, records: dict[str, dict], down: bool = False) -> None:
        self.records, self.down, self.reads = records, down, []

    async def read(self, path, properties, associations=None):
        self.reads.append(path)
        if self.down:
            raise CrmRefused("HubSpot read: HTTP 503", 503)
        return self.records[path]


KNOWN = Known({"51": "ada@example.com"}, {"7001": "rep-ada", "7002": "rep-bo"}, {"ada@example.com": "rep-ada"})


def _change(event_id: int, name: str, value: str, contact: int = 51) -> dict:
    return {"eventId": event_id, "subscriptionId": 9, "occurredAt": MS, "subscriptionType": "contact.propertyChange",
            "objectId": contact, "propertyName": name, "propertyValue": value}


async def test_a_mapped_lead_status_becomes_its_outcome_for_the_contacts_lead():
    read = await read_webhook([_change(1, "hs_lead_status", "CONNECTED")], HUBSPOT_DEFAULTS, KNOWN, Records({}))
    [accepted] = read.activities
    assert (accepted.activity_id, accepted.lead_key, accepted.status) == ("hubspot:1-9-51", "ada@example.com",
                                                                           "accepted")


async def test_a_rejection_reads_its_reason_from_the_contact():
    records = Records({"/crm/v3/objects/contacts/51": {"properties": {"handoff_rejection_reason": "no budget"}}})
    read = await read_webhook([_change(2, "hs_lead_status", "UNQUALIFIED")], HUBSPOT_DEFAULTS, KNOWN, records)
    assert [(a.status, a.reason) for a in read.activities] == [("rejected", "no budget")]


async def test_a_rejection_without_a_reason_is_skipped_saying_so():
    records = Records({"/crm/v3/objects/contacts/51": {"properties": {}}})
    read = await read_webhook([_change(3, "hs_lead_status", "UNQUALIFIED")], HUBSPOT_DEFAULTS, KNOWN, records)
    assert not read.activities and "needs a reason" in read.skipped[0][1]


async def test_a_call_logged_on_the_contact_is_a_call_by_the_rep_who_owns_it():
    records = Records({"/crm/v3/objects/calls/77": {"properties": {"hubspot_owner_id": "7002"},
                                                    "associations": {"contacts": {"results": [{"id": "51"}]}}}})
    call = {"eventId": 4, "subscriptionId": 9, "occurredAt": MS, "subscriptionType": "object.creation",
            "objectTypeId": "0-48", "objectId": 77}
    [activity] = (await read_webhook([call], HUBSPOT_DEFAULTS, KNOWN, records)).activities
    assert (activity.kind, activity.rep_id, activity.lead_key) == ("call", "rep-bo", "ada@example.com")


async def test_contacts_handoff_never_routed_and_its_own_owner_echo_are_skipped():
    body = [_change(5, "hs_lead_status", "CONNECTED", contact=99), _change(6, "hubspot_owner_id", "7001")]
    read = await read_webhook(body, HUBSPOT_DEFAULTS, KNOWN, Records({}))
    assert not read.activities
    assert [why for _, why in read.skipped] == ["contact 99 is no lead Handoff routed", "the owner Handoff set"]


async def test_a_failed_crm_read_propagates_so_the_request_is_answered_503():
    with pytest.raises(CrmRefused):
        await read_webhook([_change(7, "hs_lead_status", "UNQUALIFIED")], HUBSPOT_DEFAULTS, KNOWN,
                           Records({}, down=True))


async def test_a_salesforce_lead_is_found_by_its_id_else_by_the_email_of_a_routed_lead():
    known = Known({"00Q000000000001AAA": "ada@example.com"}, {}, {"bo@example.com": "rep-bo"})
    changes = [RecordChanged("salesforce:1", "Lead", "00Q000000000001AAA", None, {"Status": "Working - Contacted"}, AT),
               RecordChanged("salesforce:2", "Lead", "00Q000000000002AAA", "Bo@Example.com",
                             {"Status": "Closed - Converted"}, AT),
               RecordChanged("salesforce:3", "Lead", "00Q000000000003AAA", "nobody@example.com",
                             {"Status": "Closed - Converted"}, AT)]
    read = await read_changes(changes, SALESFORCE_DEFAULTS, known)
    assert [(a.lead_key, a.status) for a in read.activities] == [("ada@example.com", "accepted"),
                                                                 ("bo@example.com", "converted")]
    assert read.skipped[0][0] == "salesforce:3"
