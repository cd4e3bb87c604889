//! PostgreSQL's LISTEN/NOTIFY between herald processes (see `store::signals`).

use sqlx::postgres::PgListener;

use super::PgStore;

impl PgStore {
    /// Notifies every process listening on `channel`.
    pub(in crate::store) async fn notify(&self, channel: &str) -> sqlx::Result<()> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(channel)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A connection of its own listening on `channels`.
    pub(in crate::store) async fn listen(&self, channels: &[&str]) -> sqlx::Result<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen_all(channels.iter().copied()).await?;
        Ok(listener)
    }
}
