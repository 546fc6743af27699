"""Subscription secrets at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`)
under keys from the settings. The first key of HANDOFF_SECRETS_KEY seals; every key opens, so a
key is rotated by putting the new one first, re-sealing (`handoff secrets reseal`), then dropping
the old one."""

import asyncpg
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

PLAINTEXT_PREFIX = "whsec_"  # what rows held before sealing (and what `open` never returns sealed)


class SecretsUnavailable(Exception):
    """No key is configured, or none of the keys opens a stored secret."""


class SecretBox:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ValueError("HANDOFF_SECRETS_KEY holds no key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in parts])
        except ValueError as exc:
            raise ValueError("HANDOFF_SECRETS_KEY: each key must be 32 url-safe base64-encoded bytes"
                             " (Fernet.generate_key())") from exc

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise SecretsUnavailable("no key of HANDOFF_SECRETS_KEY opens this subscription's secret"
                                     " (unsealed row or a dropped key: run `handoff secrets reseal`)") from exc

    def reseal(self, sealed: str) -> str:
        """The secret sealed under the first key (a plaintext secret sealed for the first time)."""
        if sealed.startswith(PLAINTEXT_PREFIX):
            return self.seal(sealed)
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken as exc:
            raise SecretsUnavailable("no key of HANDOFF_SECRETS_KEY opens this subscription's secret") from exc


def secret_box(key: SecretStr | None) -> SecretBox | None:
    """The box of the configured keys, or None when none is set."""
    return SecretBox(key.get_secret_value()) if key and key.get_secret_value() else None


async def reseal_secrets(conn: asyncpg.Connection, box: SecretBox) -> int:
    """Seals every plaintext secret and re-seals the others under the first key; returns how many
    rows changed. One transaction: a key that opens nothing stops it with nothing changed."""
    changed = 0
    async with conn.transaction():
        rows = await conn.fetch(
            "SELECT subscription_id, secret, previous_secret FROM router.subscriptions WHERE connector IS NULL"
            " FOR UPDATE")  # a CRM connector signs nothing: its credentials are settings
        for row in rows:
            previous = row["previous_secret"]
            await conn.execute(
                "UPDATE router.subscriptions SET secret = $2, previous_secret = $3 WHERE subscription_id = $1",
                row["subscription_id"], box.reseal(row["secret"]), box.reseal(previous) if previous else None)
            changed += 1
    return changed


async def plaintext_secrets(conn: asyncpg.Connection) -> int:
    """How many subscriptions still hold their secret in plaintext."""
    found: int = await conn.fetchval("SELECT count(*) FROM router.subscriptions WHERE secret LIKE 'whsec\\_%'")
    return found
