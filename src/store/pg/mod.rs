//! What only PostgreSQL does, on its native driver (arrays, collations, `tsvector`s): `/latest`
//! and `/search` with the same answers as the SQLite store gives, and building the search
//! documents of a copied newsroom. A `Store` on PostgreSQL holds one of these; every other
//! statement it runs is shared with SQLite. Its schema is `migrations/postgres/`.

mod articles;
mod docs;
mod lease;
mod search;
mod signals;

use std::str::FromStr;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Connections per process: readers here, and the copy's writer.
const CONNECTIONS: u32 = 4;

/// A handle to a PostgreSQL newsroom; cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(in crate::store) pool: PgPool,
}

impl PgStore {
    /// Connects and applies pending migrations.
    pub async fn open(url: &str) -> anyhow::Result<PgStore> {
        // Each search is planned for its own query: a word in half the archive is best found
        // by walking the newest articles, a rare one through the GIN index, and a plan cached
        // for one would serve the other. Planning costs about a millisecond.
        let options = PgConnectOptions::from_str(url)
            .context("reading the PostgreSQL URL")?
            .options([("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("applying PostgreSQL migrations")?;
        Ok(PgStore { pool })
    }

    /// Refreshes the planner's statistics of every table: after a bulk load (a copy) the
    /// planner would otherwise guess how common each word is.
    pub async fn analyze(&self) -> crate::store::Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for running statements to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
