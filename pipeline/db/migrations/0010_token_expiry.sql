-- API tokens expire, are rotated, and remember when they were last used (issue 14).
-- Tokens from before stay without expiry (expires_at NULL) until an administrator rotates them.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
-- Written at most once a minute per token, not on every request.
ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
-- Set when the token was rotated: its successor. The old token is revoked, or expires at the end of
-- the grace period it was given.
ALTER TABLE api_tokens ADD COLUMN replaced_by uuid REFERENCES api_tokens (id);
