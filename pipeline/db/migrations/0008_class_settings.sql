-- A bureau's decision to enable or disable a model class for its own flights, overriding the
-- manifest's default (a class measured on too few real photos ships disabled). One row per
-- organisation, model and class; each change is also in the audit trail, which keeps the history.
CREATE TABLE class_settings (
  organisation_id uuid NOT NULL REFERENCES organisations (id),
  model_name text NOT NULL,
  class_name text NOT NULL,
  enabled boolean NOT NULL,
  note text NOT NULL,
  changed_by_user uuid NOT NULL REFERENCES users (id),
  changed_by_name text NOT NULL,
  changed_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, model_name, class_name)
);
