-- What only one herald process may do at a time (long polling, the Matrix sync, delivery
-- under one rate budget, feeds, digests, embargoes): the process named in `holder` does it
-- until `expires_at`, by the database's clock, and renews well before. A process that died
-- stops renewing, and another takes the row over once it expired (src/application/leader.rs).
CREATE TABLE leases (
    name       TEXT        PRIMARY KEY,
    holder     TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
