-- Subscription secrets rotate with an overlap: until previous_secret_expires_at every delivery is
-- signed with the new secret and the one before it (Standard Webhooks allows several signatures),
-- so the receiver can switch its verification at any moment of that window.
ALTER TABLE router.subscriptions
    ADD COLUMN previous_secret            text,         -- sealed like `secret`; null outside an overlap
    ADD COLUMN previous_secret_expires_at timestamptz,
    ADD COLUMN secret_rotated_at          timestamptz;
