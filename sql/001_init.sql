-- Apps, their keys, users with their phone numbers and emails, one-time codes and the outbox.
-- Every tenant-owned row carries (app_id, environment): test and live data never mix.

CREATE TABLE IF NOT EXISTS apps (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    name            VARCHAR(100) NOT NULL,
    created_at      BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS api_keys (
    key_digest      BINARY(32)   NOT NULL PRIMARY KEY,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    kind            ENUM('secret','public') NOT NULL,
    display_prefix  VARCHAR(20)  NOT NULL,
    created_at      BIGINT       NOT NULL,
    revoked_at      BIGINT       NULL,
    KEY api_keys_app (app_id, environment),
    CONSTRAINT api_keys_app_fk FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS users (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    status          ENUM('pending','active') NOT NULL,
    first_name      VARCHAR(200) NOT NULL DEFAULT '',
    middle_name     VARCHAR(200) NOT NULL DEFAULT '',
    last_name       VARCHAR(200) NOT NULL DEFAULT '',
    metadata        LONGTEXT     NOT NULL DEFAULT '{}',
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    KEY users_tenant (app_id, environment, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS phone_numbers (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    user_id         VARCHAR(40)  NOT NULL,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    phone_number    VARCHAR(20)  NOT NULL,
    verified        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    UNIQUE KEY phone_numbers_unique (app_id, environment, phone_number),
    KEY phone_numbers_user (user_id),
    CONSTRAINT phone_numbers_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS emails (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    user_id         VARCHAR(40)  NOT NULL,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    email           VARCHAR(254) NOT NULL,
    verified        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    UNIQUE KEY emails_unique (app_id, environment, email),
    KEY emails_user (user_id),
    CONSTRAINT emails_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One active code per method: a new code replaces the row. Only the HMAC of the code is kept.
CREATE TABLE IF NOT EXISTS otps (
    method_id       VARCHAR(40)  NOT NULL PRIMARY KEY,
    method_type     ENUM('phone_number','email') NOT NULL,
    user_id         VARCHAR(40)  NOT NULL,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    code_digest     BINARY(32)   NOT NULL,
    expires_at      BIGINT       NOT NULL,
    failed_attempts INT          NOT NULL DEFAULT 0,
    used_at         BIGINT       NULL,
    fingerprint_ip  VARCHAR(64)  NOT NULL DEFAULT '',
    fingerprint_user_agent VARCHAR(512) NOT NULL DEFAULT '',
    created_at      BIGINT       NOT NULL,
    KEY otps_user (user_id),
    CONSTRAINT otps_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Messages to send, written in the same transaction as their code. The code is sealed
-- (AES-256-GCM under a key derived from the server secret), never stored in clear.
CREATE TABLE IF NOT EXISTS outbox (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    channel         ENUM('sms','email') NOT NULL,
    destination     VARCHAR(254) NOT NULL,
    sealed_code     VARBINARY(64) NOT NULL,
    locale          VARCHAR(10)  NOT NULL DEFAULT 'en',
    expires_at      BIGINT       NOT NULL,
    state           ENUM('pending','sent','failed','expired') NOT NULL DEFAULT 'pending',
    attempts        INT          NOT NULL DEFAULT 0,
    lease_until     BIGINT       NOT NULL,
    last_error      VARCHAR(255) NOT NULL DEFAULT '',
    created_at      BIGINT       NOT NULL,
    sent_at         BIGINT       NULL,
    KEY outbox_due (state, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
