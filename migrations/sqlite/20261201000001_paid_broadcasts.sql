-- A send leased as a paid broadcast (Telegram's allow_paid_broadcast), so the day's paid
-- messages can be counted against the newsroom's cap after a restart too.
ALTER TABLE deliveries ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_paid ON deliveries (sent_at) WHERE paid = 1;
