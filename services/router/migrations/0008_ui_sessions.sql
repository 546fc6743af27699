-- Dashboard sessions (issue #18): the browser's cookie holds a random token, never an API key;
-- only the token's SHA-256 is stored. A session ends at its expiry, at logout, or when its key is revoked.
CREATE TABLE router.ui_sessions (
    token_hash  text PRIMARY KEY,
    key_id      text NOT NULL,          -- the API key that signed in (settings-admin for the settings' key)
    role        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX ui_sessions_expiry_idx ON router.ui_sessions (expires_at);

COMMENT ON COLUMN router.subscriptions.secret IS
    'Fernet token of the whsec_ signing secret (HANDOFF_SECRETS_KEY); plaintext only before handoff migrate seals it';
