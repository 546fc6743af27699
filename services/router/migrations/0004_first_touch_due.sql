-- When the first touch of an assignment is due (business time of the agreement's SLA tier).
ALTER TABLE router.assignments ADD COLUMN first_touch_due_at timestamptz;
