-- See migrations/sqlite/20261208000001_update_claims.sql.
CREATE TABLE update_claims (
    platform  TEXT   NOT NULL,
    update_id BIGINT NOT NULL,
    until_ms  BIGINT NOT NULL,
    PRIMARY KEY (platform, update_id)
);
