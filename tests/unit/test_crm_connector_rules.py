"""The connectors' pure rules: what a CRM value means, what the CRM is told, how HubSpot events are read."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given
from hypothesis import strategies as st

from services.router.connectors.domain import hubspot, salesforce
from services.router.connectors.domain.mappings import (
    HUBSPOT_DEFAULTS,
    SALESFORCE_DEFAULTS,
    Mappings,
    activity,
    outcome_of,
    rejection_reason,
)
from services.router.connectors.domain.notes import owner_change
from services.router.deliveries.domain.delivery import MAX_RETRY_AFTER_S, RetryPolicy, retry_after_seconds
from tests.support.fake_salesforce import outbound_message

AT = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
ROUTED = {"type": "handoff.lead.routed", "data": {
    "lead_key": "ada@example.com", "assignment_id": "a1", "qualification_id": "q1", "rep_id": "rep-ada",
    "rule": "pool:default", "tier": "hot", "agreement_version": 3, "routed_at": AT.isoformat(),
    "sla_due_at": (AT + timedelta(minutes=30)).isoformat()}}


def test_hubspot_lead_statuses_map_to_outcomes_and_unmapped_values_to_none():
    assert outcome_of(HUBSPOT_DEFAULTS, "hs_lead_status", "CONNECTED") == "accepted"
    assert outcome_of(HUBSPOT_DEFAULTS, "lifecyclestage", "customer") == "won"
    assert outcome_of(HUBSPOT_DEFAULTS, "hs_lead_status", "NEW") is None
    assert outcome_of(HUBSPOT_DEFAULTS, "unknown_property", "x") is None


def test_salesforce_closed_not_converted_is_a_rejection():
    assert outcome_of(SALESFORCE_DEFAULTS, "Status", "Closed - Not Converted") == "rejected"


def test_a_rejection_reason_is_translated_else_taken_as_written_else_the_default():
    table = Mappings(properties={}, engagements={}, rejection_reasons={"BUDGET": "no budget"},
                     default_rejection_reason="bad contact data")
    assert rejection_reason(table, "BUDGET") == "no budget"
    assert rejection_reason(table, "OTHER") == "bad contact data"
    assert rejection_reason(HUBSPOT_DEFAULTS, "no budget") == "no budget"
    assert rejection_reason(HUBSPOT_DEFAULTS, None) is None


def test_a_bare_touch_is_a_call_and_an_outcome_is_a_status_activity():
    touch = activity("hubspot:1", "ada@example.com", "touched", AT)
    assert (touch.kind, touch.status) == ("call", None)
    rejected = activity("hubspot:2", "ada@example.com", "rejected", AT, reason="no budget")
    assert (rejected.kind, rejected.status, rejected.reason) == ("status", "rejected", "no budget")
    meeting = activity("hubspot:3", "ada@example.com", "meeting", AT, rep_id="rep-ada")
    assert (meeting.kind, meeting.rep_id, meeting.reason) == ("meeting", "rep-ada", None)


def test_a_routed_event_asks_for_the_reps_owner_with_rule_tier_and_due_time_in_the_note():
    change = owner_change(ROUTED)
    assert change is not None and (change.lead_key, change.rep_id) == ("ada@example.com", "rep-ada")
    assert change.note == ("Routed by Handoff to rep-ada: rule pool:default, tier hot, first touch due"
                           " 2031-03-03 09:30 UTC, agreement v3.")


def test_a_reassignment_asks_for_the_new_reps_owner_and_other_followups_for_nothing():
    reassigned = {"type": "handoff.lead.followup", "data": {
        "lead_key": "ada@example.com", "status": "reassigned", "rep_id": "rep-bo", "previous_rep_id": "rep-ada",
        "reason": "sla_breached", "tier": "hot", "occurred_at": AT.isoformat()}}
    change = owner_change(reassigned)
    assert change is not None and change.rep_id == "rep-bo"
    assert change.note.startswith("Reassigned by Handoff from rep-ada to rep-bo (sla_breached)")
    touched = {"type": "handoff.lead.followup", "data": {**reassigned["data"], "status": "touched"}}
    assert owner_change(touched) is None


def test_hubspot_events_are_read_as_property_changes_and_engagements_and_the_rest_skipped():
    ms = int(AT.timestamp() * 1000)
    body = [
        {"eventId": 1, "subscriptionId": 9, "occurredAt": ms, "subscriptionType": "contact.propertyChange",
         "objectId": 51, "propertyName": "hs_lead_status", "propertyValue": "CONNECTED"},
        {"eventId": 2, "subscriptionId": 9, "occurredAt": ms, "subscriptionType": "object.creation",
         "objectTypeId": "0-48", "objectId": 77},
        {"eventId": 3, "subscriptionId": 9, "occurredAt": ms, "subscriptionType": "contact.propertyChange",
         "objectId": 51, "propertyName": "firstname", "propertyValue": "Ada"},
        {"eventId": 4, "subscriptionId": 9, "occurredAt": ms, "subscriptionType": "deal.creation", "objectId": 5},
        "not an event",
        {"eventId": 5, "subscriptionId": 9, "occurredAt": ms, "subscriptionType": "object.creation",
         "objectTypeId": "0-48", "objectId": "../owners"},
    ]
    found, skipped = hubspot.read_events(body, HUBSPOT_DEFAULTS)
    assert found == [hubspot.PropertyChanged("hubspot:1-9-51", "51", "hs_lead_status", "CONNECTED", AT),
                     hubspot.EngagementLogged("hubspot:2-9-77", "0-48", "77", AT)]
    assert [item for item, _ in skipped] == ["[2]", "[3]", "[4]", "[5]"]
    assert skipped[3][1] == "objectId is not a HubSpot id"
    assert "'firstname' is not mapped" in skipped[0][1]


def test_the_note_is_associated_to_the_contact_with_hubspots_note_to_contact_type():
    note = hubspot.new_note("51", "7001", "text", AT)
    assert note["associations"] == [{"to": {"id": "51"}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]}]
    assert note["properties"]["hs_timestamp"] == "2031-03-03T09:00:00Z"


def test_retry_after_reads_seconds_and_http_dates_bounded():
    assert retry_after_seconds("7", AT) == 7.0
    assert retry_after_seconds("Mon, 03 Mar 2031 09:00:30 GMT", AT) == 30.0
    assert retry_after_seconds("999999", AT) == MAX_RETRY_AFTER_S
    assert retry_after_seconds("soon", AT) is None
    assert retry_after_seconds(None, AT) is None


@given(attempt=st.integers(1, 10), retry_after=st.floats(0, 3600), rand=st.floats(0, 0.999))
def test_no_retry_comes_sooner_than_the_endpoints_retry_after(attempt, retry_after, rand):
    policy = RetryPolicy(base_s=1, cap_s=60, max_attempts=11, max_age_s=10 ** 6)
    at = policy.next_attempt(attempt, AT, AT, lambda: rand, retry_after)
    assert at is not None and at >= AT + timedelta(seconds=retry_after)
    assert at == max(policy.next_attempt(attempt, AT, AT, lambda: rand), AT + timedelta(seconds=retry_after))


# --- Salesforce ----------------------------------------------------------------------------------

def _change(obj: str, **fields) -> salesforce.RecordChanged:
    return salesforce.RecordChanged("salesforce:1", obj, "00Q000000000001AAA", None, fields, AT)


def test_a_soql_string_escapes_quotes_and_backslashes():
    assert salesforce.soql_string("o'hara\\x@example.com") == "'o\\'hara\\\\x@example.com'"
    assert "Email = 'o\\'hara@example.com'" in salesforce.lead_query("o'hara@example.com")


def test_a_lead_status_change_means_its_mapped_outcome_and_a_rejection_takes_its_reason_field():
    assert salesforce.meaning(_change("Lead", Status="Working - Contacted"), SALESFORCE_DEFAULTS)[:2] == (
        "accepted", None)
    rejected = _change("Lead", Status="Closed - Not Converted", Handoff_Rejection_Reason__c="no budget")
    assert salesforce.meaning(rejected, SALESFORCE_DEFAULTS)[:2] == ("rejected", "no budget")
    kind, _, why = salesforce.meaning(_change("Lead", Status="Closed - Not Converted"), SALESFORCE_DEFAULTS)
    assert kind is None and "needs a reason" in why


def test_tasks_and_events_are_engagements_but_never_the_tasks_handoff_wrote():
    assert salesforce.meaning(_change("Task", TaskSubtype="Email"), SALESFORCE_DEFAULTS)[0] == "email"
    assert salesforce.meaning(_change("Event"), SALESFORCE_DEFAULTS)[0] == "meeting"
    own = _change("Task", TaskSubtype="Task", Subject="Handoff: lead routed")
    assert salesforce.meaning(own, SALESFORCE_DEFAULTS) == (None, None, "a Task Handoff wrote")


def test_an_outbound_message_is_read_with_its_org_and_each_notification_keyed_by_its_id():
    raw = outbound_message("00D000000000001EAA", "04l000000000009AAA", "00Q000000000001AAA",
                           {"Status": "Closed - Converted", "LastModifiedDate": "2031-03-03T09:05:00.000Z"})
    org, [change] = salesforce.read_outbound_message(raw, AT)
    assert org == "00D000000000001EAA"
    assert (change.key, change.object, change.lead_id) == ("salesforce:04l000000000009AAA", "Lead",
                                                           "00Q000000000001AAA")
    assert change.fields["Status"] == "Closed - Converted" and change.at == AT + timedelta(minutes=5)


def test_an_outbound_message_with_a_dtd_or_no_notifications_is_refused():
    for raw in (b'<!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>', b"<x/>", b"not xml"):
        with pytest.raises(salesforce.NotOutboundMessage):
            salesforce.read_outbound_message(raw, AT)


def test_the_jwt_assertion_is_rs256_over_issuer_subject_audience_and_a_short_expiry():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = salesforce.jwt_assertion("client", "user@example.com", "https://login.salesforce.com", AT,
                                     lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    header, claims, signature = token.split(".")
    key.public_key().verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                            f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    body = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert body == {"iss": "client", "sub": "user@example.com", "aud": "https://login.salesforce.com",
                    "exp": int(AT.timestamp()) + 180}
