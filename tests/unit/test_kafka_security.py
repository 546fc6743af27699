"""Kafka over TLS and SASL/SCRAM, as Strimzi issues it: what the settings give aiokafka's clients."""

import ssl
from pathlib import Path
from typing import Any

import certifi
import pytest
from pydantic import ValidationError

from services.shared.config import Settings
from services.shared.kafka import make_admin, make_consumer, make_producer, security_options

CA_FILE = Path(certifi.where())  # any PEM bundle stands in for Strimzi's cluster CA


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def scram_over_tls(**values: Any) -> Settings:
    return settings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="handoff",
                    kafka_sasl_password="s3cret", kafka_ssl_ca_file=CA_FILE, **values)


def test_plaintext_is_the_default_and_adds_only_the_protocol():
    assert security_options(settings()) == {"security_protocol": "PLAINTEXT"}


def test_scram_passes_mechanism_user_and_password_as_aiokafka_names_them():
    options = security_options(scram_over_tls())
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("handoff", "s3cret")


def test_sasl_without_tls_gets_no_ssl_context():
    options = security_options(settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="u",
                                        kafka_sasl_password="p", kafka_sasl_mechanism="SCRAM-SHA-256"))
    assert "ssl_context" not in options
    assert options["sasl_mechanism"] == "SCRAM-SHA-256"


def test_tls_trusts_the_given_ca_and_checks_the_brokers_names():
    context = security_options(settings(kafka_security_protocol="SSL", kafka_ssl_ca_file=CA_FILE))["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs()


def test_tls_without_credentials_carries_no_sasl_options():
    options = security_options(settings(kafka_security_protocol="SSL", kafka_ssl_ca_file=CA_FILE))
    assert not {k for k in options if k.startswith("sasl_")}


def test_a_missing_ca_file_fails_when_the_client_is_made():
    with pytest.raises(FileNotFoundError):
        security_options(settings(kafka_security_protocol="SSL", kafka_ssl_ca_file=Path("/nonexistent/ca.crt")))


def test_sasl_without_a_password_is_refused():
    with pytest.raises(ValidationError, match="SASL"):
        settings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="handoff")


def test_a_client_certificate_without_its_key_is_refused():
    with pytest.raises(ValidationError, match="go together"):
        settings(kafka_security_protocol="SSL", kafka_ssl_cert_file=CA_FILE)


def test_the_password_stays_secret_in_the_settings_repr():
    assert "s3cret" not in repr(scram_over_tls())


def test_security_settings_are_read_from_handoff_variables(monkeypatch):
    monkeypatch.setenv("HANDOFF_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("HANDOFF_KAFKA_SASL_USERNAME", "handoff")
    monkeypatch.setenv("HANDOFF_KAFKA_SASL_PASSWORD", "s3cret")
    monkeypatch.setenv("HANDOFF_KAFKA_SSL_CA_FILE", str(CA_FILE))
    loaded = settings()
    assert (loaded.kafka_security_protocol, loaded.kafka_ssl_ca_file) == ("SASL_SSL", CA_FILE)


async def test_producer_consumer_and_admin_all_connect_with_the_security_settings():
    s = scram_over_tls()
    clients = [make_producer(s).client, make_consumer(s, "g")._client, make_admin(s)._client]
    for client in clients:
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert isinstance(client._ssl_context, ssl.SSLContext)
