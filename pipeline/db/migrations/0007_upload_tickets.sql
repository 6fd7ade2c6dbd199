-- Who asked for a presigned upload of which bytes into which flight. A presigned PUT, a bucket
-- notification and a reconciliation carry no person, so without this a person who uploaded a
-- flight's photos that way could review its findings.
CREATE TABLE upload_tickets (
  flight_id uuid NOT NULL REFERENCES flights (id),
  sha256 text NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (flight_id, sha256, user_id)
);
CREATE INDEX upload_tickets_user ON upload_tickets (user_id, flight_id);
CREATE INDEX images_uploaded_by ON images (uploaded_by_user, flight_id) WHERE uploaded_by_user IS NOT NULL;
