//! Leases by the database's clock (see the `leases` migration): every process compares
//! expiries with the same clock, whatever its own machine's says.

use super::PgStore;

impl PgStore {
    /// Takes lease `name` for `holder` for `ttl_ms` from now, or renews it; false when another
    /// holder's lease has not expired yet.
    pub(in crate::store) async fn hold(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> sqlx::Result<bool> {
        let held: Option<String> = sqlx::query_scalar(
            "INSERT INTO leases (name, holder, expires_at)
             VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::float8 / 1000))
             ON CONFLICT (name) DO UPDATE
                SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at < clock_timestamp()
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(ttl_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(held.is_some())
    }

    /// Gives lease `name` up if `holder` still has it, so another process takes it at once.
    pub(in crate::store) async fn release(&self, name: &str, holder: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Who holds lease `name`, if anyone does.
    pub(in crate::store) async fn holder(&self, name: &str) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT holder FROM leases WHERE name = $1 AND expires_at >= clock_timestamp()",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
    }
}
