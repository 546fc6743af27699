"""Standard Webhooks signatures of outbound deliveries, checked by hand and by the reference library."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.router.deliveries.signing import new_secret, signed_headers

BODY = '{"specversion":"1.0","id":"e-1","type":"handoff.lead.routed","data":{"lead_key":"ada@example.com"}}'


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body():
    secret, at = new_secret(), datetime.now(UTC)
    headers = signed_headers([secret], "msg_1", at, BODY)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"msg_1.{headers['webhook-timestamp']}.{BODY}".encode(), hashlib.sha256).digest()
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()


def test_the_reference_library_verifies_what_we_sign():
    secret = new_secret()
    headers = signed_headers([secret], "msg_2", datetime.now(UTC), BODY)
    assert Webhook(secret).verify(BODY, headers)["id"] == "e-1"


def test_a_timestamp_in_another_zone_signs_the_same_instant():
    secret, at = new_secret(), datetime.now(UTC)
    berlin = at.astimezone(timezone(timedelta(hours=1)))
    assert signed_headers([secret], "m", berlin, BODY) == signed_headers([secret], "m", at, BODY)


def test_another_secret_does_not_verify():
    headers = signed_headers([new_secret()], "msg_3", datetime.now(UTC), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_during_a_rotation_each_secret_signs_and_either_verifies():
    new, old = new_secret(), new_secret()
    headers = signed_headers([new, old], "msg_4", datetime.now(UTC), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(BODY, headers)["id"] == "e-1"
    assert Webhook(old).verify(BODY, headers)["id"] == "e-1"


def test_the_newest_secrets_signature_comes_first():
    new, old = new_secret(), new_secret()
    at = datetime.now(UTC)
    both = signed_headers([new, old], "msg_5", at, BODY)["webhook-signature"]
    assert both.split(" ")[0] == signed_headers([new], "msg_5", at, BODY)["webhook-signature"]


def test_signing_without_a_secret_is_refused():
    with pytest.raises(ValueError):
        signed_headers([], "msg_6", datetime.now(UTC), BODY)
