-- Money (issue #20): deal amounts on converted and won activities, exactly (numeric, never float),
-- in the currency the CRM gave; the rates ops supplies into the deployment's reporting currency;
-- and what each campaign cost in each period.
ALTER TABLE router.crm_activities
    ADD COLUMN amount   numeric(18, 4) CHECK (amount >= 0),
    ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$'),
    ADD CONSTRAINT crm_activities_amount_currency CHECK ((amount IS NULL) = (currency IS NULL));

-- One unit of `currency` is worth `rate` units of the reporting currency (HANDOFF_REPORTING_CURRENCY).
-- Ops keeps it (PUT /v1/currency-rates); reports convert with the rate in force when they run.
CREATE TABLE router.currency_rates (
    currency    text PRIMARY KEY CHECK (currency ~ '^[A-Z]{3}$'),
    rate        numeric(24, 10) NOT NULL CHECK (rate > 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL
);

-- Spend per campaign and period [period_start, period_end] (dates, both included), imported by ops.
CREATE TABLE router.campaign_costs (
    campaign      text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    source        text,                 -- the channel the campaign ran on (reports by source sum it)
    amount        numeric(18, 4) NOT NULL CHECK (amount >= 0),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL,
    PRIMARY KEY (campaign, period_start),
    CHECK (period_end >= period_start)
);
CREATE INDEX campaign_costs_period_idx ON router.campaign_costs (period_start, period_end);
