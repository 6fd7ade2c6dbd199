-- One finding per hazard: the detections of one flight that show the same hazard, merged.
CREATE TABLE findings (
  id uuid PRIMARY KEY,
  flight_id uuid NOT NULL REFERENCES flights(id),
  class_name text NOT NULL,
  hazard_code text NOT NULL,
  severity text NOT NULL,
  lat double precision,
  lon double precision,
  error_m real,
  site_id uuid REFERENCES sites(id),
  best_detection_id uuid NOT NULL REFERENCES detections(id),
  best_score real NOT NULL,
  view_count integer NOT NULL,
  -- The same hazard found at the same site on an earlier flight within the recurrence window.
  recurring_of uuid REFERENCES findings(id),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX findings_flight_score ON findings (flight_id, best_score DESC, id);
CREATE INDEX findings_site_hazard_created ON findings (site_id, hazard_code, created_at);

CREATE TABLE finding_views (
  finding_id uuid NOT NULL REFERENCES findings(id),
  detection_id uuid NOT NULL REFERENCES detections(id),
  rank integer NOT NULL,
  merit real NOT NULL,
  PRIMARY KEY (finding_id, detection_id)
);
-- A detection belongs to one finding at most: merging twice cannot duplicate it.
CREATE UNIQUE INDEX finding_views_detection ON finding_views (detection_id);
