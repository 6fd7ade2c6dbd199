-- Which model the API and workers start with: the newest row wins while its directory still holds
-- the file with this sha256 (else MODEL_DIR). Every switch is also in the audit trail; the rows are
-- the history `hazardscope model list` shows, so they are never changed.
CREATE TABLE model_activations (
  id uuid PRIMARY KEY,
  model_name text NOT NULL,
  model_version text NOT NULL,
  sha256 text NOT NULL,
  directory text NOT NULL,
  activated_by text NOT NULL,
  note text,
  activated_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX model_activations_newest ON model_activations (activated_at DESC, id DESC);

CREATE FUNCTION model_activations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'model_activations is append-only: activate another model instead';
END;
$$;
CREATE TRIGGER model_activations_no_update BEFORE UPDATE OR DELETE ON model_activations
  FOR EACH ROW EXECUTE FUNCTION model_activations_append_only();
