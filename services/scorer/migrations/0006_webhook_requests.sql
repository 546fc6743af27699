-- Replay guard of the body-signed webhooks (Mautic, Segment; issue #18): the digest of every
-- request taken, kept for the source's tolerance. A request seen before is answered as a duplicate
-- and produces nothing; one older than the tolerance is refused by its body's time.
CREATE TABLE scorer.webhook_requests (
    source       text NOT NULL,
    digest       text NOT NULL,          -- SHA-256 of the raw (signed) body
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, digest)
);
CREATE INDEX webhook_requests_age_idx ON scorer.webhook_requests (received_at);
