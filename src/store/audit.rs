//! The audit log: every privileged command, done or refused.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::Result;
use super::Store;
use super::stamp::Stamp;

/// How a privileged command ended, as the audit log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    /// It did what was asked.
    Ok,
    /// The user lacked the role.
    Refused,
    /// It was allowed but failed.
    Failed,
}

impl AuditOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }
}

/// A line of the audit log, as written.
pub struct AuditEntry<'a> {
    /// Who ran the command.
    pub actor_id: i64,
    /// Where.
    pub chat_id: i64,
    /// The command's name.
    pub command: &'a str,
    /// Its first argument line, cut short.
    pub target: &'a str,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Why it failed, if it did.
    pub detail: &'a str,
}

/// A line of the audit log, as /audit-style listings read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// When.
    pub at: DateTime<Utc>,
    /// Who, as `platform:id`.
    pub actor: String,
    /// The command's name.
    pub command: String,
    /// Its first argument line.
    pub target: String,
    /// How it ended.
    pub outcome: String,
    /// Why it failed, if it did.
    pub detail: String,
}

impl Store {
    /// Writes a line of the audit log.
    pub async fn audit(&self, entry: AuditEntry<'_>) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, chat_id, command, target, outcome, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Stamp(self.clock.now()))
        .bind(entry.actor_id)
        .bind(entry.chat_id)
        .bind(entry.command)
        .bind(entry.target)
        .bind(entry.outcome.as_str())
        .bind(entry.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest entries first.
    pub async fn recent_audit(&self, limit: u32) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT l.at, u.platform || ':' || u.native_id AS actor, l.command, l.target, l.outcome, l.detail
             FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id ORDER BY l.id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    at: row.try_get::<Stamp, _>("at")?.0,
                    actor: row
                        .try_get::<Option<String>, _>("actor")?
                        .unwrap_or_default(),
                    command: row.try_get("command")?,
                    target: row.try_get("target")?,
                    outcome: row.try_get("outcome")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}
