-- Decision revisions (issue 16): a reviewer's decision on a finding stays as it was recorded in
-- reviews (one per detection); a later change of mind is a row here, written in the same
-- transaction as the finding, its case and the audit entry, so the finding's history can be told.
CREATE TABLE finding_revisions (
  id uuid PRIMARY KEY,
  finding_id uuid NOT NULL REFERENCES findings (id),
  from_status text NOT NULL CHECK (from_status IN ('confirmed', 'rejected', 'relabelled')),
  to_status text NOT NULL CHECK (to_status IN ('confirmed', 'rejected', 'relabelled')),
  -- The class the finding stood as before and after; null while rejected.
  from_class text,
  to_class text,
  reason text NOT NULL CHECK (btrim(reason) <> ''),
  actor_user_id uuid REFERENCES users (id),
  actor_name text NOT NULL,
  actor_role text NOT NULL,
  -- The case the revision changed (left, joined, opened or relabelled in), and how.
  case_id uuid REFERENCES cases (id),
  case_effect text CHECK (case_effect IN ('left', 'dismissed', 'joined', 'opened', 'relabelled')),
  -- The case link a finding took with it when it left a case: its frozen evidence is kept here.
  removed_link jsonb,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX finding_revisions_finding ON finding_revisions (finding_id, created_at);

-- A finding can leave a case that was not notified yet, and its hazard can change there.
ALTER TABLE case_events DROP CONSTRAINT case_events_kind_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check
  CHECK (kind IN ('opened', 'finding_added', 'transition', 'site_assigned', 'attachment_added', 'finding_removed', 'finding_relabelled'));
