-- Up Migration
-- A user's API keys. An HMAC key's secret is kept encrypted (AES-256-GCM, the key from the
-- service's configuration; the row's id is bound in as associated data), an Ed25519 key's public
-- half as SPKI PEM. A revoked key keeps its row (the user sees it, with when it was revoked) but
-- loses its secret.
CREATE TABLE api_keys (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  label             text NOT NULL,
  kind              text NOT NULL,
  scopes            text[] NOT NULL,
  allowed_ips       text[] NOT NULL DEFAULT '{}',
  secret_ciphertext bytea,
  public_key        text,
  expires_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  revoked_at        timestamptz,
  last_used_at      timestamptz,
  last_used_ip      text,
  CONSTRAINT api_keys_kind_check CHECK (kind IN ('HMAC', 'ED25519')),
  CONSTRAINT api_keys_scopes_check CHECK (scopes <@ ARRAY['read', 'trade']::text[] AND cardinality(scopes) > 0),
  -- an HMAC key has its secret until revoked; an Ed25519 key always has its public half
  CONSTRAINT api_keys_material_check CHECK (
    (kind = 'HMAC' AND public_key IS NULL AND (secret_ciphertext IS NOT NULL OR revoked_at IS NOT NULL))
    OR (kind = 'ED25519' AND public_key IS NOT NULL AND secret_ciphertext IS NULL)
  )
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at DESC);

-- Down Migration
DROP TABLE api_keys;
