"""One connector attempt with doubles of the owner lookups and of the CRM step (no SQL, no HTTP)."""

from datetime import UTC, datetime, timedelta

import httpx
import orjson

from services.router.connectors.sending import ConnectorSender, CrmRefused
from services.router.deliveries.store import Claimed

AT = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


class Owners:
    def __init__(self, owners: dict[str, str], holders: dict[str, str]) -> None:
        self.owners, self.holders = owners, holders

    async def owner_of(self, connector, rep_id):
        return self.owners.get(rep_id)

    async def current_rep(self, lead_key):
        return self.holders.get(lead_key)


class Crm:
    """The CRM step: records each owner change, or fails as told."""

    def __init__(self, failure: CrmRefused | None = None) -> None:
        self.changes, self.failure = [], failure

    async def act(self, change, owner_id):
        if self.failure:
            raise self.failure
        self.changes.append((change.lead_key, owner_id))
        return 201


def _claimed(event_type: str, **data) -> Claimed:
    payload = orjson.dumps({"type": event_type, "data": data}).decode()
    return Claimed("msg_1", "crm-hubspot", "https://api.hubapi.com", "", payload, 1, 1, AT, "hubspot")


ROUTED = _claimed("handoff.lead.routed", lead_key="ada@example.com", rep_id="rep-ada", rule="pool:default",
                  tier="hot", routed_at=AT.isoformat(), sla_due_at=(AT + timedelta(minutes=30)).isoformat())


def _sender(owners: Owners, crm: Crm) -> ConnectorSender:
    return ConnectorSender("hubspot", owners, crm.act, httpx.AsyncClient(), 5.0, lambda: AT)


async def test_a_routed_event_sets_the_owner_of_the_reps_crm_user():
    crm = Crm()
    result = await _sender(Owners({"rep-ada": "7001"}, {"ada@example.com": "rep-ada"}), crm).send(ROUTED)
    assert (result.status_code, result.error) == (201, None)
    assert crm.changes == [("ada@example.com", "7001")]


async def test_a_retried_routed_event_never_undoes_a_later_reassignment():
    crm = Crm()
    result = await _sender(Owners({"rep-ada": "7001"}, {"ada@example.com": "rep-bo"}), crm).send(ROUTED)
    assert result.status_code == 204 and crm.changes == []  # delivered as a no-op


async def test_a_rep_without_a_crm_owner_fails_the_attempt_until_imported():
    result = await _sender(Owners({}, {"ada@example.com": "rep-ada"}), Crm()).send(ROUTED)
    assert result.status_code is None and "no hubspot owner for rep 'rep-ada'" in result.error


async def test_a_rate_limited_attempt_carries_the_crms_retry_after():
    crm = Crm(CrmRefused("HubSpot owner update: HTTP 429", 429, 7.0))
    result = await _sender(Owners({"rep-ada": "7001"}, {}), crm).send(ROUTED)
    assert (result.status_code, result.retry_after_s, result.error) == (429, 7.0, "HubSpot owner update: HTTP 429")


async def test_events_a_connector_does_not_act_on_are_delivered_as_no_ops():
    touched = _claimed("handoff.lead.followup", lead_key="ada@example.com", status="touched", rep_id="rep-ada",
                       occurred_at=AT.isoformat())
    crm = Crm()
    assert (await _sender(Owners({}, {}), crm).send(touched)).status_code == 204 and crm.changes == []
