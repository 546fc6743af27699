"""Logs never carry full email addresses or secrets."""

import logging

import orjson

from services.shared.config import Settings
from services.shared.logs import JsonFormatter, mask, secret_values


def _line(msg: str, secrets=(), **extra) -> dict:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return orjson.loads(JsonFormatter(secrets).format(record))


def test_an_email_in_a_message_keeps_only_its_first_letter_and_domain():
    assert _line("unknown lead 'ada.lovelace@example.com'")["msg"] == "unknown lead 'a***@example.com'"


def test_an_email_in_an_extra_field_is_masked_too():
    assert _line("x", lead_key="Bob@Corp.example.org")["lead_key"] == "B***@Corp.example.org"


def test_a_url_encoded_email_is_masked():
    assert mask("/v1/leads/ada%40example.com/score") == "/v1/leads/a***%40example.com/score"


def test_a_bearer_token_is_masked():
    assert mask("Authorization: Bearer abc123.def") == "Authorization: Bearer [redacted]"


def test_a_standard_webhooks_secret_is_masked():
    assert mask("secret whsec_ZGV2LXdlYmhvb2s=") == "secret whsec_[redacted]"


def test_configured_secrets_are_masked_wherever_they_appear():
    assert _line("signing with dev-mautic-secret failed", secrets=["dev-mautic-secret"])["msg"] == \
        "signing with [redacted] failed"


def test_every_secret_setting_is_collected_for_masking():
    assert secret_values(Settings(admin_key="k-123456")) == ["k-123456"]


def test_text_without_emails_or_secrets_is_unchanged():
    assert mask("batch failed; isolating 3 records at offset 12") == "batch failed; isolating 3 records at offset 12"
