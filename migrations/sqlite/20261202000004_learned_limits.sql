-- A platform's drain interval the engine learned from its refusals when slower than
-- configured (a homeserver stricter than `limits.matrix`): kept until the process ends (the
-- engine clears it at start, so a corrected configuration counts again), and read by
-- /deliveries.
CREATE TABLE learned_limits (
    platform TEXT PRIMARY KEY,
    interval_ms INTEGER NOT NULL,
    learned_at INTEGER NOT NULL
) WITHOUT ROWID;
