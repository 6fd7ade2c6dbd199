-- What a presigned upload promised (its size and name), so an object cut short can be told from a
-- different body, and the photo keeps its name when it is registered from the bucket.
ALTER TABLE upload_tickets ADD COLUMN size_bytes integer, ADD COLUMN filename text;

-- Objects that were not the photo their key names (another body, or an upload that never finished):
-- they are deleted and never become images; this is what the operator is shown instead.
CREATE TABLE upload_rejections (
  flight_id uuid NOT NULL REFERENCES flights (id),
  object_key text NOT NULL,
  sha256 text,
  filename text,
  size_bytes integer NOT NULL,
  reason text NOT NULL,
  rejected_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (flight_id, object_key)
);
