-- The roles a person holds (issue 15): administrators manage them through the API, and a token is
-- issued only for one of its holder's roles. Taking a role away revokes the person's tokens for it.
ALTER TABLE users ADD COLUMN roles text[] NOT NULL DEFAULT '{}'
  CHECK (roles <@ ARRAY['operator', 'reviewer', 'regulator', 'admin']::text[]);
-- Until now a person's roles were those of the tokens made for them (revoked and expired ones too:
-- a token ending is not a role withdrawn).
UPDATE users u SET roles = ARRAY(SELECT DISTINCT t.role FROM api_tokens t WHERE t.user_id = u.id ORDER BY 1);
