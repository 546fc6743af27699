-- Buying groups (docs/agreement.md, "Buying groups and sales-ready accounts"): each scored contact's
-- persona and fit per account under the version that scored it, and each account's qualification (once
-- per agreement version).
CREATE TABLE scorer.account_members (
    account_key        text NOT NULL,
    lead_key           text NOT NULL,
    agreement_version  integer NOT NULL,
    persona            text,
    fit                double precision NOT NULL,
    disqualified       boolean NOT NULL DEFAULT false,
    scored_at          timestamptz NOT NULL,
    PRIMARY KEY (account_key, lead_key)
);
CREATE TABLE scorer.account_qualifications (
    account_key        text NOT NULL,
    agreement_version  integer NOT NULL,
    qualified_at       timestamptz NOT NULL,
    event_id           text NOT NULL,
    PRIMARY KEY (account_key, agreement_version)
);
