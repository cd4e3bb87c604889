-- An update being handled, claimed until `until_ms` by the process handling it: with several
-- processes behind one webhook address, Telegram's re-delivery of a slow update may reach
-- another process while the first still answers it. Deleted once the update is handled (it is
-- then in platform_updates); a claim of a process that died expires and the update is
-- handled when it comes again.
CREATE TABLE update_claims (
    platform TEXT NOT NULL,
    update_id INTEGER NOT NULL,
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (platform, update_id)
) WITHOUT ROWID;
