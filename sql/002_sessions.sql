-- Per-app settings, sessions, and the signing keys of session JWTs.

ALTER TABLE apps ADD COLUMN IF NOT EXISTS settings LONGTEXT NOT NULL DEFAULT '{}';

CREATE TABLE IF NOT EXISTS sessions (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    user_id         VARCHAR(40)  NOT NULL,
    token_digest    BINARY(32)   NOT NULL,
    started_at      BIGINT       NOT NULL,
    expires_at      BIGINT       NOT NULL,
    last_active_at  BIGINT       NOT NULL,
    factors         LONGTEXT     NOT NULL DEFAULT '[]',
    fingerprint_ip  VARCHAR(64)  NOT NULL DEFAULT '',
    fingerprint_user_agent VARCHAR(512) NOT NULL DEFAULT '',
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    UNIQUE KEY sessions_token (token_digest),
    KEY sessions_user (user_id, expires_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- RS256 keys. A key is published (JWKS) from created_at, signs from sign_from, and is dropped from
-- the JWKS after retire_at, once every JWT it signed has expired. The private key is sealed.
CREATE TABLE IF NOT EXISTS jwt_keys (
    kid             VARCHAR(40)  NOT NULL PRIMARY KEY,
    sealed_private_key VARBINARY(4096) NOT NULL,
    created_at      BIGINT       NOT NULL,
    sign_from       BIGINT       NOT NULL,
    retire_at       BIGINT       NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
