-- Keys get an id to be listed and revoked by (several keys per environment may be active at once).

ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS id VARCHAR(40) NULL;

UPDATE api_keys SET id = CONCAT('key_', LEFT(LOWER(HEX(key_digest)), 27)) WHERE id IS NULL;

CREATE UNIQUE INDEX IF NOT EXISTS api_keys_id ON api_keys (id);
