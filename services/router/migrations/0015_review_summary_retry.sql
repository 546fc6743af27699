-- The weekly review's chat summary is posted until the chat takes it (services/router/reporting/
-- review_publishing.py): NULL while a publication's summary waits; the job retries it for a week.
ALTER TABLE router.reviews ADD COLUMN summary_posted_at timestamptz;
ALTER TABLE router.reviews ADD COLUMN summary_attempts integer NOT NULL DEFAULT 0;
UPDATE router.reviews SET summary_posted_at = published_at;  -- weeks published before: not posted again
