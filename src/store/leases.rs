//! What one process of several on a database does alone (see `application::leader`). On
//! SQLite there is only ever one process (the data directory's lock keeps a second one out),
//! so it always holds every lease and nothing is written.

use super::{Result, Store};

impl Store {
    /// Takes or renews lease `name` for `holder` for `ttl_ms`; false while another process
    /// holds it.
    pub async fn hold_process_lease(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<bool> {
        match &self.pg {
            Some(pg) => Ok(pg.hold(name, holder, ttl_ms).await?),
            None => Ok(true),
        }
    }

    /// Gives lease `name` up if `holder` has it.
    pub async fn release_process_lease(&self, name: &str, holder: &str) -> Result<()> {
        match &self.pg {
            Some(pg) => Ok(pg.release(name, holder).await?),
            None => Ok(()),
        }
    }

    /// The holder of lease `name`, while one holds it.
    pub async fn process_lease_holder(&self, name: &str) -> Result<Option<String>> {
        match &self.pg {
            Some(pg) => Ok(pg.holder(name).await?),
            None => Ok(None),
        }
    }
}
