-- What the pacer needs after a restart, so a new process continues the old one's budget:
-- the sends each platform acknowledged lately (found by this index), and a platform-wide
-- retry_after still in force (Telegram escalates the penalty for sends made during one).
CREATE INDEX deliveries_sent_lately ON deliveries (platform, sent_at) WHERE state = 'sent';

CREATE TABLE platform_waits (
    platform TEXT PRIMARY KEY,
    until_ms INTEGER NOT NULL
) WITHOUT ROWID;
