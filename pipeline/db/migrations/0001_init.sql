-- Initial schema. Applied by pipeline/db/migrate.ts inside the schema named by DATABASE_SCHEMA.
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('operator', 'reviewer', 'regulator', 'admin')),
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);

CREATE TABLE flights (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  site_name text,
  notes text,
  status text NOT NULL CHECK (status IN ('open', 'completed')),
  created_by uuid NOT NULL,
  -- Millisecond precision: page cursors carry JavaScript dates, which have no microseconds.
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  completed_at timestamptz
);

CREATE TABLE images (
  id uuid PRIMARY KEY,
  flight_id uuid NOT NULL REFERENCES flights (id),
  object_key text NOT NULL,
  etag text,
  sha256 text,
  size_bytes integer,
  original_filename text,
  width integer,
  height integer,
  capture jsonb,
  status text NOT NULL CHECK (status IN ('registered', 'queued', 'processing', 'processed', 'failed', 'duplicate')),
  failure_reason text,
  duplicate_of uuid,
  registered_via text NOT NULL CHECK (registered_via IN ('api', 's3-event', 'reconcile')),
  created_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
CREATE UNIQUE INDEX images_flight_object_key ON images (flight_id, object_key);
-- The same bytes are one image per flight, whatever key they arrived under.
CREATE UNIQUE INDEX images_flight_sha256 ON images (flight_id, sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX images_flight_status ON images (flight_id, status);

CREATE TABLE detections (
  id uuid PRIMARY KEY,
  image_id uuid NOT NULL REFERENCES images (id),
  ordinal integer NOT NULL,
  model_name text NOT NULL,
  model_version text NOT NULL,
  model_sha256 text NOT NULL,
  class_name text NOT NULL,
  hazard_code text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('major', 'general')),
  score real NOT NULL,
  threshold real NOT NULL,
  x1 real NOT NULL,
  y1 real NOT NULL,
  x2 real NOT NULL,
  y2 real NOT NULL,
  state text NOT NULL CHECK (state IN ('below_threshold', 'flagged', 'confirmed', 'rejected', 'relabelled')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX detections_image_model_ordinal ON detections (image_id, model_sha256, ordinal);
CREATE INDEX detections_state ON detections (state, created_at);

CREATE TABLE reviews (
  id uuid PRIMARY KEY,
  detection_id uuid NOT NULL REFERENCES detections (id),
  reviewer_id uuid NOT NULL,
  reviewer_name text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('confirm', 'reject', 'relabel')),
  new_class text,
  note text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX reviews_detection_key ON reviews (detection_id);

CREATE TABLE cases (
  id uuid PRIMARY KEY,
  detection_id uuid NOT NULL REFERENCES detections (id),
  flight_id uuid NOT NULL,
  image_id uuid NOT NULL,
  class_name text NOT NULL,
  hazard_code text NOT NULL,
  severity text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'closed')),
  evidence jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cases_detection_key ON cases (detection_id);
CREATE INDEX cases_status_created ON cases (status, created_at);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  detail jsonb
);

-- The audit log is append-only: updates and deletes are refused by the database itself.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
