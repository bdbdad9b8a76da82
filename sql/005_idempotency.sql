-- Idempotency-Key records (SPEC §5): the final answer of a POST that carried a key, replayed to its
-- retries for 24 hours. Only SHA-256 digests of the key and of the request are kept, never the
-- request itself. A 'running' row is a request still executing; after locked_until (its lease) any
-- instance may take it over. 'withheld' marks an answer that carried session credentials, which are
-- never stored (its body is kept with them removed).

CREATE TABLE IF NOT EXISTS idempotency_keys (
    app_id          VARCHAR(40)  NOT NULL,
    environment     ENUM('test','live') NOT NULL,
    key_digest      BINARY(32)   NOT NULL,
    request_digest  BINARY(32)   NOT NULL,
    state           ENUM('running','done','withheld') NOT NULL,
    status          INT          NOT NULL DEFAULT 0,
    response_body   MEDIUMTEXT   NULL,
    created_at      BIGINT       NOT NULL,
    locked_until    BIGINT       NOT NULL,
    PRIMARY KEY (app_id, environment, key_digest),
    KEY idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
