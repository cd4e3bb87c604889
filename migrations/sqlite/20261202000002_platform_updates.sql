-- Updates a platform pushed that herald has handled, by the platform's own id: Telegram
-- re-delivers an update whose webhook answer was slow, and one handled just before a restart
-- (polling's offset not yet confirmed). A day is more than Telegram keeps an update.
CREATE TABLE platform_updates (
    platform TEXT NOT NULL,
    update_id INTEGER NOT NULL,
    handled_at INTEGER NOT NULL,
    PRIMARY KEY (platform, update_id)
) WITHOUT ROWID;
CREATE INDEX platform_updates_by_age ON platform_updates (handled_at);
