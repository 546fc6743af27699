-- API keys shared by both services: only the SHA-256 of a key is stored.
CREATE TABLE access.api_keys (
    key_id      text PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('marketing', 'sales', 'ops', 'admin')),
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
