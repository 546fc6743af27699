-- CRM connectors (docs/crm.md): a connector is a subscription the delivery worker sends through the
-- CRM's API instead of a signed webhook, so it has the same lease, backoff, log and replay.
ALTER TABLE router.subscriptions ADD COLUMN connector text;  -- NULL: a webhook; else 'hubspot' or 'salesforce'

CREATE TABLE router.connectors (
    connector   text PRIMARY KEY CHECK (connector IN ('hubspot', 'salesforce')),
    mappings    jsonb NOT NULL,          -- CRM statuses and engagement types -> Handoff's CRM activities
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Which CRM user owns a rep's leads: imported like reps (PUT /v1/connectors/{connector}/owners).
CREATE TABLE router.crm_owners (
    connector   text NOT NULL,
    rep_id      text NOT NULL,
    owner_id    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, rep_id),
    UNIQUE (connector, owner_id)
);

-- The CRM record a lead became (a HubSpot contact id, a Salesforce Lead id): inbound events name it.
CREATE TABLE router.crm_links (
    connector    text NOT NULL,
    lead_key     text NOT NULL,
    external_id  text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, lead_key)
);
CREATE INDEX crm_links_external_idx ON router.crm_links (connector, external_id);
