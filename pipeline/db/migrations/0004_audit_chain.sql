-- The audit trail becomes a hash chain (pipeline/domain/audit-chain.ts): each entry stores the
-- previous entry's hash and its own. Entries written before this migration keep null hashes and
-- are reported as preceding the chain.
ALTER TABLE audit_log ADD COLUMN prev_hash text;
ALTER TABLE audit_log ADD COLUMN hash text;

-- The chain's head: count and newest hash, moved forward in the same transaction as each append.
-- Removing the newest entries leaves a chain that is valid on its own; the head says it is short.
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  entries bigint NOT NULL,
  last_id bigint,
  last_hash text NOT NULL
);
INSERT INTO audit_head (id, entries, last_id, last_hash) VALUES (1, 0, NULL, repeat('0', 64));

CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.entries <> OLD.entries + 1 THEN
    RAISE EXCEPTION 'audit_head only moves forward, one entry at a time';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
