"""Each tool's own signature scheme: the right one passes; tampered, missing, stale or malformed ones fail."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from starlette.requests import Request

from services.scorer.config import ScorerSettings
from services.scorer.ingest.webhooks import signed_uri
from services.scorer.integrations.signatures import (
    SignatureError,
    hubspot_signature,
    hubspot_uri,
    mautic_signature,
    segment_signature,
    standard_webhook,
    verify_hubspot,
    verify_mautic,
    verify_segment,
    verify_standard,
)

BODY = b'[{"eventId":1,"objectId":123}]'
NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
URL = "https://handoff.example/v1/webhooks/hubspot"
WHSEC = "whsec_" + base64.b64encode(b"a-test-secret-of-enough-bytes!!").decode()


def _ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


def test_mautic_signs_the_raw_body_with_base64_hmac_sha256():
    expected = base64.b64encode(hmac.new(b"s3cret", BODY, hashlib.sha256).digest()).decode()
    assert mautic_signature("s3cret", BODY) == expected
    verify_mautic("s3cret", BODY, expected)


@pytest.mark.parametrize("presented", [None, "", "AAAA", mautic_signature("s3cret", BODY + b" ")])
def test_a_missing_or_wrong_mautic_signature_fails(presented):
    with pytest.raises(SignatureError):
        verify_mautic("s3cret", BODY, presented)


def test_segment_signs_the_raw_body_with_hex_hmac_sha1_in_either_case():
    expected = hmac.new(b"s3cret", BODY, hashlib.sha1).hexdigest()
    assert segment_signature("s3cret", BODY) == expected
    verify_segment("s3cret", BODY, expected.upper())


@pytest.mark.parametrize("presented", [None, "  ", segment_signature("other", BODY)])
def test_a_missing_or_wrong_segment_signature_fails(presented):
    with pytest.raises(SignatureError):
        verify_segment("s3cret", BODY, presented)


def test_hubspot_v3_signs_method_uri_body_and_timestamp():
    ts = _ms(NOW)
    message = b"POST" + URL.encode() + BODY + ts.encode()
    expected = base64.b64encode(hmac.new(b"s3cret", message, hashlib.sha256).digest()).decode()
    assert hubspot_signature("s3cret", "post", URL, BODY, ts) == expected
    verify_hubspot("s3cret", "POST", URL, BODY, expected, ts, NOW)


def test_hubspot_signs_the_uri_with_its_listed_escapes_decoded():
    uri = "https://h.example/hook?to=a%40b.example%2Cc%20d"
    assert hubspot_uri(uri) == "https://h.example/hook?to=a@b.example,c%20d"


@pytest.mark.parametrize("age", [timedelta(minutes=5, seconds=1), -timedelta(minutes=6)])
def test_a_hubspot_request_more_than_five_minutes_off_fails(age):
    ts = _ms(NOW - age)
    with pytest.raises(SignatureError, match="5 minutes"):
        verify_hubspot("s3cret", "POST", URL, BODY, hubspot_signature("s3cret", "POST", URL, BODY, ts), ts, NOW)


def test_a_hubspot_request_four_minutes_old_passes():
    ts = _ms(NOW - timedelta(minutes=4))
    verify_hubspot("s3cret", "POST", URL, BODY, hubspot_signature("s3cret", "POST", URL, BODY, ts), ts, NOW)


@pytest.mark.parametrize(("signature", "timestamp"), [(None, "1"), ("x", None), ("x", "yesterday")])
def test_missing_or_unreadable_hubspot_headers_fail(signature, timestamp):
    with pytest.raises(SignatureError):
        verify_hubspot("s3cret", "POST", URL, BODY, signature, timestamp, NOW)


def test_a_hubspot_signature_for_another_url_fails():
    ts = _ms(NOW)
    with pytest.raises(SignatureError, match="does not match"):
        verify_hubspot("s3cret", "POST", URL, BODY, hubspot_signature("s3cret", "POST", URL + "x", BODY, ts), ts, NOW)


def _standard(body: bytes, at: datetime, **override) -> dict[str, str]:
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(WHSEC).sign("msg_1", at, body.decode())}
    return {**headers, **override}


def test_a_standard_webhooks_signature_passes():
    now = datetime.now(UTC)
    verify_standard(standard_webhook(WHSEC), BODY, _standard(BODY, now), now)


@pytest.mark.parametrize("override", [{"webhook-signature": "v1,AAAA"}, {"webhook-id": "msg_2"},
                                      {"webhook-signature": "garbage"}, {"webhook-signature": "v1,***"}])
def test_a_tampered_or_malformed_standard_signature_fails(override):
    now = datetime.now(UTC)
    with pytest.raises(SignatureError):
        verify_standard(standard_webhook(WHSEC), BODY, _standard(BODY, now, **override), now)


def test_a_missing_standard_header_fails_naming_it():
    now = datetime.now(UTC)
    headers = _standard(BODY, now)
    del headers["webhook-signature"]
    with pytest.raises(SignatureError, match="missing webhook-signature"):
        verify_standard(standard_webhook(WHSEC), BODY, headers, now)


def test_a_standard_signature_older_than_five_minutes_fails():
    now = datetime.now(UTC)
    with pytest.raises(SignatureError, match="5 minutes"):
        verify_standard(standard_webhook(WHSEC), BODY, _standard(BODY, now - timedelta(minutes=6)), now)


def test_a_body_that_is_not_utf8_fails_rather_than_crashing():
    now = datetime.now(UTC)
    with pytest.raises(SignatureError):
        verify_standard(standard_webhook(WHSEC), b"\xff\xfe", _standard(BODY, now), now)


def test_an_empty_whsec_secret_is_unusable():
    with pytest.raises(ValueError, match="whsec_"):
        standard_webhook("whsec_")


def _request(path: str, query: str = "") -> Request:
    return Request({"type": "http", "method": "POST", "scheme": "http", "path": path, "query_string": query.encode(),
                    "headers": [(b"host", b"10.0.0.5:8001")], "server": ("10.0.0.5", 8001)})


def test_hubspot_is_verified_against_the_url_the_request_came_to_by_default():
    assert signed_uri(_request("/v1/webhooks/hubspot"), ScorerSettings()) == "http://10.0.0.5:8001/v1/webhooks/hubspot"


def test_behind_a_proxy_the_public_base_url_replaces_scheme_and_host():
    settings = ScorerSettings(public_base_url="https://handoff.example.com/")
    assert signed_uri(_request("/v1/webhooks/hubspot", "portal=1"), settings) == \
        "https://handoff.example.com/v1/webhooks/hubspot?portal=1"
