//! A database of its own on the test PostgreSQL server (`HERALD_POSTGRES_URL`, started by
//! `scripts/postgres.sh` in `.ci/run`), for each test that needs one.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// A fresh, empty database, dropped by `remove`.
pub struct PgDatabase {
    server: String,
    name: String,
    /// Its URL.
    pub url: String,
}

/// A new database, or `None` (with a line saying the test is skipped) when no server is given.
pub async fn database(test: &str) -> Option<PgDatabase> {
    let Ok(server) = std::env::var("HERALD_POSTGRES_URL") else {
        eprintln!("{test}: skipped, HERALD_POSTGRES_URL is not set (scripts/postgres.sh start)");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("herald_test_{}_{nanos}", std::process::id());
    let mut admin = PgConnection::connect(&server)
        .await
        .expect("test PostgreSQL server");
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("creating a test database");
    admin.close().await.ok();
    let base = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(base, _)| base);
    Some(PgDatabase {
        url: format!("{base}/{name}"),
        server,
        name,
    })
}

impl PgDatabase {
    /// Drops the database (its connections closed first).
    pub async fn remove(self) {
        let mut admin = PgConnection::connect(&self.server)
            .await
            .expect("test PostgreSQL server");
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await
        .expect("dropping the test database");
        admin.close().await.ok();
    }
}
