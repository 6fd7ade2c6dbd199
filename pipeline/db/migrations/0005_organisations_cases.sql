-- Organisations, people, the review of findings and the lifecycle of enforcement cases.
--
-- Every object belongs to one organisation (an emergency-management bureau) and lies in a region
-- (a GB/T 2260 code or prefix of one). A caller sees an object only when it belongs to their
-- organisation and its region lies within theirs.

CREATE TABLE organisations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  -- The jurisdiction: a 2-, 4- or 6-digit region code prefix; '' is the whole country.
  region_code text NOT NULL CHECK (region_code ~ '^([0-9]{2}([0-9]{2}([0-9]{2})?)?)?$'),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name ON organisations (name);
-- What existed before organisations belongs to this one.
INSERT INTO organisations (id, name, region_code) VALUES ('00000000-0000-4000-8000-000000000001', 'Default organisation', '');

CREATE TABLE users (
  id uuid PRIMARY KEY,
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  name text NOT NULL,
  -- The part of the organisation's jurisdiction this person works in.
  region_code text NOT NULL CHECK (region_code ~ '^([0-9]{2}([0-9]{2}([0-9]{2})?)?)?$'),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_organisation_name ON users (organisation_id, name);

-- A person may hold tokens for several roles; separation of duties is decided on the person.
INSERT INTO users (id, organisation_id, name, region_code)
  SELECT gen_random_uuid(), '00000000-0000-4000-8000-000000000001', name, '' FROM (SELECT DISTINCT name FROM api_tokens) t;
ALTER TABLE api_tokens ADD COLUMN user_id uuid REFERENCES users (id);
UPDATE api_tokens t SET user_id = u.id FROM users u WHERE u.name = t.name;
ALTER TABLE api_tokens ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE flights ADD COLUMN organisation_id uuid REFERENCES organisations (id);
ALTER TABLE flights ADD COLUMN region_code text;
ALTER TABLE flights ADD COLUMN created_by_user uuid REFERENCES users (id);
UPDATE flights f SET organisation_id = '00000000-0000-4000-8000-000000000001', region_code = '',
  created_by_user = (SELECT user_id FROM api_tokens t WHERE t.id = f.created_by);
ALTER TABLE flights ALTER COLUMN organisation_id SET NOT NULL;
ALTER TABLE flights ALTER COLUMN region_code SET NOT NULL;
CREATE INDEX flights_organisation_created ON flights (organisation_id, created_at DESC, id DESC);

-- Who put the photo into the flight (null when it arrived by bucket notification or reconciliation).
ALTER TABLE images ADD COLUMN uploaded_by_user uuid REFERENCES users (id);

ALTER TABLE sites ADD COLUMN organisation_id uuid REFERENCES organisations (id);
UPDATE sites SET organisation_id = '00000000-0000-4000-8000-000000000001';
ALTER TABLE sites ALTER COLUMN organisation_id SET NOT NULL;
DROP INDEX sites_credit_code;
CREATE UNIQUE INDEX sites_organisation_credit_code ON sites (organisation_id, credit_code);
DROP INDEX sites_region_created;
CREATE INDEX sites_organisation_region_created ON sites (organisation_id, region_code, created_at, id);

-- A finding's review state lives on the finding, with the lease that keeps two reviewers apart.
ALTER TABLE findings ADD COLUMN organisation_id uuid REFERENCES organisations (id);
ALTER TABLE findings ADD COLUMN region_code text;
ALTER TABLE findings ADD COLUMN flown_by uuid;
ALTER TABLE findings ADD COLUMN status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected', 'relabelled'));
ALTER TABLE findings ADD COLUMN decided_at timestamptz(3);
ALTER TABLE findings ADD COLUMN lease_user_id uuid;
ALTER TABLE findings ADD COLUMN lease_holder text;
ALTER TABLE findings ADD COLUMN lease_expires_at timestamptz(3);
UPDATE findings f SET organisation_id = fl.organisation_id,
  region_code = coalesce((SELECT s.region_code FROM sites s WHERE s.id = f.site_id), fl.region_code),
  flown_by = fl.created_by_user
  FROM flights fl WHERE fl.id = f.flight_id;
UPDATE findings f SET status = CASE d.state WHEN 'confirmed' THEN 'confirmed' WHEN 'rejected' THEN 'rejected' WHEN 'relabelled' THEN 'relabelled' ELSE 'pending' END
  FROM detections d WHERE d.id = f.best_detection_id;
ALTER TABLE findings ALTER COLUMN organisation_id SET NOT NULL;
ALTER TABLE findings ALTER COLUMN region_code SET NOT NULL;
CREATE INDEX findings_queue ON findings (organisation_id, best_score DESC, id DESC) WHERE status = 'pending';
CREATE INDEX findings_queue_facets ON findings (organisation_id, hazard_code, severity) WHERE status = 'pending';

ALTER TABLE reviews ADD COLUMN finding_id uuid REFERENCES findings (id);
ALTER TABLE reviews ADD COLUMN reviewer_user_id uuid REFERENCES users (id);
ALTER TABLE reviews ADD COLUMN reason text;
UPDATE reviews r SET finding_id = v.finding_id FROM finding_views v WHERE v.detection_id = r.detection_id;
UPDATE reviews r SET reviewer_user_id = t.user_id FROM api_tokens t WHERE t.id = r.reviewer_id;

-- Hazards a reviewer saw that the model did not: kept for retraining.
CREATE TABLE missed_hazards (
  id uuid PRIMARY KEY,
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  image_id uuid NOT NULL REFERENCES images (id),
  finding_id uuid REFERENCES findings (id),
  class_name text NOT NULL,
  x1 real NOT NULL,
  y1 real NOT NULL,
  x2 real NOT NULL,
  y2 real NOT NULL,
  note text,
  reviewer_user_id uuid NOT NULL REFERENCES users (id),
  reviewer_name text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX missed_hazards_organisation_created ON missed_hazards (organisation_id, created_at, id);
CREATE INDEX missed_hazards_image ON missed_hazards (image_id);

-- Cases: one per site and flight, holding the confirmed findings at that site, with a lifecycle.
ALTER TABLE cases RENAME TO cases_v1;
ALTER INDEX cases_pkey RENAME TO cases_v1_pkey;
ALTER INDEX cases_detection_key RENAME TO cases_v1_detection_key;
ALTER INDEX cases_status_created RENAME TO cases_v1_status_created;

CREATE TABLE cases (
  id uuid PRIMARY KEY,
  -- The number people quote (HS-000123).
  number bigserial NOT NULL,
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  region_code text NOT NULL,
  site_id uuid REFERENCES sites (id),
  flight_id uuid NOT NULL REFERENCES flights (id),
  status text NOT NULL CHECK (status IN ('filed', 'notified', 'rectification_due', 'rectified', 'verified', 'closed', 'dismissed')),
  -- The gravest of its findings', and every hazard among them.
  severity text NOT NULL CHECK (severity IN ('major', 'general')),
  hazard_codes text[] NOT NULL,
  findings_count integer NOT NULL,
  lat double precision,
  lon double precision,
  due_at timestamptz(3),
  dismissal_reason text,
  opened_by_user uuid REFERENCES users (id),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cases_number ON cases (number);
CREATE INDEX cases_organisation_created ON cases (organisation_id, created_at DESC, id DESC);
CREATE INDEX cases_organisation_updated ON cases (organisation_id, updated_at DESC, id DESC);
CREATE INDEX cases_organisation_status ON cases (organisation_id, status, created_at DESC, id DESC);
CREATE INDEX cases_organisation_due ON cases (organisation_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX cases_site ON cases (site_id, flight_id);
CREATE INDEX cases_hazards ON cases USING gin (hazard_codes);

CREATE TABLE case_findings (
  case_id uuid NOT NULL REFERENCES cases (id),
  finding_id uuid REFERENCES findings (id),
  -- The view the decision was made on.
  detection_id uuid NOT NULL REFERENCES detections (id),
  class_name text NOT NULL,
  hazard_code text NOT NULL,
  severity text NOT NULL,
  -- What the reviewer decided on, frozen at the decision: image hash, model, box, review.
  evidence jsonb NOT NULL,
  added_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, detection_id)
);
CREATE UNIQUE INDEX case_findings_detection ON case_findings (detection_id);
CREATE UNIQUE INDEX case_findings_finding ON case_findings (finding_id);

-- The case's history: opening, findings added, every transition with its actor, role and note.
CREATE TABLE case_events (
  id bigserial PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  kind text NOT NULL CHECK (kind IN ('opened', 'finding_added', 'transition', 'site_assigned', 'attachment_added')),
  from_status text,
  to_status text,
  actor_user_id uuid REFERENCES users (id),
  actor_name text NOT NULL,
  actor_role text NOT NULL,
  note text,
  reason text,
  due_at timestamptz(3),
  detail jsonb,
  at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case_events is append-only: a case''s history is never rewritten';
END;
$$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

-- Files the enterprise gave as evidence of rectification; stored in the originals bucket, never changed.
CREATE TABLE case_attachments (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  object_key text NOT NULL,
  filename text NOT NULL,
  content_type text NOT NULL,
  sha256 text NOT NULL,
  size_bytes integer NOT NULL,
  uploaded_by_user uuid REFERENCES users (id),
  uploaded_by_name text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX case_attachments_case_sha256 ON case_attachments (case_id, sha256);

-- Earlier cases (one per confirmed detection, open or closed) become cases of one finding each.
INSERT INTO cases (id, organisation_id, region_code, site_id, flight_id, status, severity, hazard_codes, findings_count, lat, lon, created_at, updated_at)
  SELECT c.id, fl.organisation_id, coalesce(s.region_code, fl.region_code), fi.site_id, c.flight_id,
         CASE c.status WHEN 'closed' THEN 'closed' ELSE 'filed' END,
         CASE c.severity WHEN 'major' THEN 'major' ELSE 'general' END, ARRAY[c.hazard_code], 1, fi.lat, fi.lon, c.created_at, c.created_at
  FROM cases_v1 c
  JOIN flights fl ON fl.id = c.flight_id
  LEFT JOIN finding_views v ON v.detection_id = c.detection_id
  LEFT JOIN findings fi ON fi.id = v.finding_id
  LEFT JOIN sites s ON s.id = fi.site_id
  ORDER BY c.created_at, c.id;
INSERT INTO case_findings (case_id, finding_id, detection_id, class_name, hazard_code, severity, evidence, added_at)
  SELECT c.id, v.finding_id, c.detection_id, c.class_name, c.hazard_code, c.severity, c.evidence, c.created_at
  FROM cases_v1 c JOIN cases n ON n.id = c.id LEFT JOIN finding_views v ON v.detection_id = c.detection_id;
INSERT INTO case_events (case_id, kind, to_status, actor_name, actor_role, note, at)
  SELECT c.id, 'opened', 'filed', coalesce(c.evidence #>> '{review,reviewer}', 'unknown'), 'reviewer', 'case made before case lifecycles; its history starts here', c.created_at
  FROM cases_v1 c JOIN cases n ON n.id = c.id;
-- Cases closed before lifecycles say so in their history too.
INSERT INTO case_events (case_id, kind, from_status, to_status, actor_name, actor_role, note, at)
  SELECT c.id, 'transition', 'filed', 'closed', 'migration', 'system', 'closed before case lifecycles; when and by whom was not recorded', c.created_at
  FROM cases_v1 c JOIN cases n ON n.id = c.id WHERE c.status = 'closed';
-- Nothing is dropped that did not carry over: a case whose flight is gone stops the migration.
DO $$
BEGIN
  IF (SELECT count(*) FROM cases_v1) <> (SELECT count(*) FROM cases) THEN
    RAISE EXCEPTION 'migration 0005: % earlier cases name a flight that no longer exists; restore those flights (or remove the cases) and start again',
      (SELECT count(*) FROM cases_v1 c WHERE NOT EXISTS (SELECT 1 FROM flights f WHERE f.id = c.flight_id));
  END IF;
END
$$;
DROP TABLE cases_v1;

-- The key evidence bundles are signed with, when none is configured (EVIDENCE_SIGNING_KEY).
CREATE TABLE signing_keys (
  id text PRIMARY KEY,
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
