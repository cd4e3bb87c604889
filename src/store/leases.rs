//! What one process of several on a database does alone (see `application::leader`). On
//! SQLite there is only ever one process (the data directory's lock keeps a second one out),
//! so it always holds every lease and nothing is written.

use super::{Result, Store};

impl Store {
    /// This process as the holder of leases — the leader lease and each delivery in flight:
    /// the machine, the pid, and a random part, since a restarted container may get the pid
    /// again. Every clone of a store shares it.
    pub fn process_name(&self) -> &str {
        &self.process
    }

    /// Takes or renews lease `name` for this process for `ttl_ms`; false while another
    /// process holds it.
    pub async fn hold_process_lease(&self, name: &str, ttl_ms: i64) -> Result<bool> {
        match &self.pg {
            Some(pg) => Ok(pg.hold(name, &self.process, ttl_ms).await?),
            None => Ok(true),
        }
    }

    /// Gives lease `name` up if this process has it.
    pub async fn release_process_lease(&self, name: &str) -> Result<()> {
        match &self.pg {
            Some(pg) => Ok(pg.release(name, &self.process).await?),
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

/// A name for this process (see [`Store::process_name`]).
pub(super) fn process_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "herald".to_string());
    format!("{host}/{}/{:08x}", std::process::id(), fastrand::u32(..))
}
