-- The process a delivery in flight was leased to (`Store::process_name`): only that process may
-- put it back or give up on it, so one that stalled past its leader lease cannot undo what the
-- next one did with the row.
ALTER TABLE deliveries ADD COLUMN lease_holder TEXT;
