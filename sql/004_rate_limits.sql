-- Abuse-limit counters (SPEC §5), in the database so that every instance enforces the same limits.
-- Keys are SHA-256 digests of the tenant, the limit and its subject: no phone number, email or
-- address is stored here in clear.

-- One row per limited subject (a destination, an address, a number prefix): the times of its recent
-- events, 4 bytes each, as many as its largest limit counts. After forget_at the row means the same
-- as no row, and may be purged.
CREATE TABLE IF NOT EXISTS rate_limits (
    limit_key       BINARY(32)   NOT NULL PRIMARY KEY,
    events          VARBINARY(4000) NOT NULL,
    forget_at       BIGINT       NOT NULL,
    KEY rate_limits_forget (forget_at)
) ENGINE=InnoDB;

-- Daily counts (SMS per environment and UTC day), spread over shards so that concurrent sends do
-- not wait on one row lock; the count is the sum of the shards.
CREATE TABLE IF NOT EXISTS daily_counters (
    counter_key     BINARY(32)   NOT NULL,
    shard           TINYINT UNSIGNED NOT NULL,
    count           INT          NOT NULL,
    expires_at      BIGINT       NOT NULL,
    PRIMARY KEY (counter_key, shard),
    KEY daily_counters_expiry (expires_at)
) ENGINE=InnoDB;
