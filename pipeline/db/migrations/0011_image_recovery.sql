-- The recovery sweeper's memory of each photo: whether its failure may pass (an outage) or not (an
-- unreadable file), how often it has been put back in the queue automatically, and when last.
ALTER TABLE images ADD COLUMN failure_kind text CHECK (failure_kind IN ('permanent', 'transient'));
ALTER TABLE images ADD COLUMN recovery_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE images ADD COLUMN last_recovery_at timestamptz(3);
-- A person saw the failure and let it be: "retry all" and the sweeper leave it alone.
ALTER TABLE images ADD COLUMN discarded_at timestamptz(3);
-- What the sweeper reads every interval: only photos not settled, or failed for a passing reason.
CREATE INDEX images_needing_recovery ON images (created_at)
  WHERE status IN ('registered', 'queued', 'processing') OR (status = 'failed' AND failure_kind = 'transient');
