-- Sites (enterprises) with their outlines, and where photos and detections lie on the ground.
CREATE TABLE sites (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  credit_code text NOT NULL,
  industry text NOT NULL,
  region_code text NOT NULL,
  contact jsonb NOT NULL DEFAULT '{}'::jsonb,
  geometry jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sites_credit_code ON sites (credit_code);
CREATE INDEX sites_region_created ON sites (region_code, created_at, id);

-- Each ring of a site's outline, in PostgreSQL's own geometric types (x = longitude, y = latitude):
-- the GiST index on the bounding box finds the few candidates, `polygon @> point` decides. Core
-- types work the same in PostgreSQL and PGlite, with no extension to install.
CREATE TABLE site_parts (
  site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  part integer NOT NULL,
  -- Which polygon of a MultiPolygon the ring belongs to: a hole only cuts its own polygon.
  polygon integer NOT NULL,
  hole boolean NOT NULL,
  outline polygon NOT NULL,
  bounds box NOT NULL,
  PRIMARY KEY (site_id, part)
);
CREATE INDEX site_parts_bounds ON site_parts USING gist (bounds);

ALTER TABLE images ADD COLUMN footprint jsonb;
ALTER TABLE images ADD COLUMN geo_reason text;
ALTER TABLE detections ADD COLUMN ground_lat double precision;
ALTER TABLE detections ADD COLUMN ground_lon double precision;
ALTER TABLE detections ADD COLUMN ground_error_m real;
ALTER TABLE detections ADD COLUMN ground_polygon jsonb;
ALTER TABLE detections ADD COLUMN site_id uuid REFERENCES sites(id);
