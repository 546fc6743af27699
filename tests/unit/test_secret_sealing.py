"""Subscription secrets sealed at rest with keys from the settings (issue #18)."""

import pytest
from cryptography.fernet import Fernet

from services.router.deliveries.sealing import SecretBox, SecretsUnavailable

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SECRET = "whsec_c2VjcmV0LXNlY3JldA=="


def test_a_sealed_secret_opens_to_itself_and_does_not_contain_it():
    box = SecretBox(OLD)
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and box.open(sealed) == SECRET


def test_a_secret_sealed_under_the_old_key_opens_while_the_old_key_is_listed_second():
    sealed = SecretBox(OLD).seal(SECRET)
    assert SecretBox(f"{NEW},{OLD}").open(sealed) == SECRET


def test_resealing_moves_a_secret_to_the_first_key():
    resealed = SecretBox(f"{NEW},{OLD}").reseal(SecretBox(OLD).seal(SECRET))
    assert SecretBox(NEW).open(resealed) == SECRET


def test_resealing_a_plaintext_secret_seals_it():
    assert SecretBox(NEW).open(SecretBox(NEW).reseal(SECRET)) == SECRET


def test_a_secret_no_key_opens_is_refused_with_the_way_out():
    with pytest.raises(SecretsUnavailable, match="handoff secrets reseal"):
        SecretBox(NEW).open(SecretBox(OLD).seal(SECRET))


def test_a_malformed_key_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="HANDOFF_SECRETS_KEY"):
        SecretBox("not-a-fernet-key")
