//! The PostgreSQL backend, being built (issue 21). So far it answers what a reader asks of a
//! newsroom copied by `herald copy-db`: `/latest` and `/search`, the same answers as the
//! SQLite store gives, and it builds its search documents. Its schema is
//! `migrations/postgres/`.

mod articles;
mod docs;
mod search;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// Connections per process: readers here, and the copy's writer.
const CONNECTIONS: u32 = 4;

/// A handle to a PostgreSQL newsroom; cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and applies pending migrations.
    pub async fn open(url: &str) -> anyhow::Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("applying PostgreSQL migrations")?;
        Ok(PgStore { pool })
    }

    /// Closes every connection, waiting for running statements to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
