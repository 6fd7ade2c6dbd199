-- Ingest rules (issue 15): photos outside the bureau's region are held for a person, copies of
-- photos already reviewed in another flight link to them, and findings at the place of an earlier
-- one link to it in the order the photos were taken.

-- The bureau's region on the map (GeoJSON Polygon or MultiPolygon, [lon, lat]); null: only the
-- country's extent can be checked.
ALTER TABLE organisations ADD COLUMN region_boundary jsonb;

-- 'held': stored, not detected, waiting for a person to process it anyway or leave it.
ALTER TABLE images DROP CONSTRAINT images_status_check;
ALTER TABLE images ADD CONSTRAINT images_status_check
  CHECK (status IN ('registered', 'queued', 'processing', 'processed', 'failed', 'duplicate', 'held'));
-- Why the photo was flagged on arrival: taken outside the region, or without a position to tell.
ALTER TABLE images ADD COLUMN flag_reason text CHECK (flag_reason IN ('outside_region', 'no_gps'));
ALTER TABLE images ADD COLUMN hold_decision text CHECK (hold_decision IN ('process', 'discard'));
ALTER TABLE images ADD COLUMN hold_decided_by uuid REFERENCES users (id);
ALTER TABLE images ADD COLUMN hold_decided_at timestamptz(3);
ALTER TABLE images ADD COLUMN hold_note text;
-- Copies of the same bytes, looked up on every photo the worker takes.
CREATE INDEX images_sha256 ON images (sha256) WHERE sha256 IS NOT NULL;

-- When the hazard was seen: the earliest capture time of its photos (their EXIF time, or when the
-- photo was registered if it has none). Recurrence is ordered by it, not by processing time.
ALTER TABLE findings ADD COLUMN captured_at timestamptz(3);
UPDATE findings f SET captured_at = coalesce(
  (SELECT min(CASE
      WHEN i.capture->>'takenAt' ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$'
        THEN (i.capture->>'takenAt')::timestamptz
      WHEN i.capture->>'takenAt' ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$'
        THEN ((i.capture->>'takenAt') || '+00:00')::timestamptz
      ELSE i.created_at END)
   FROM finding_views v JOIN detections d ON d.id = v.detection_id JOIN images i ON i.id = d.image_id
   WHERE v.finding_id = f.id),
  f.created_at);
-- Earlier sightings of a hazard near a place, within the organisation.
CREATE INDEX findings_recurrence ON findings (organisation_id, hazard_code, lat, lon) WHERE lat IS NOT NULL;
