//! People and their stored roles (owners come from the config, not from here).

use sqlx::Row;

use super::Result;
use super::Store;
use super::stamp::Stamp;
use crate::domain::{Platform, Role, UserRef};

/// A user herald has met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// herald's own id.
    pub id: i64,
    /// Who they are on their platform.
    pub user: UserRef,
    /// How their platform names them.
    pub display_name: String,
}

fn user_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<UserRecord> {
    let platform: String = row.try_get("platform")?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        user: UserRef {
            platform: Platform::parse(&platform).unwrap_or(Platform::Console),
            native_id: row.try_get("native_id")?,
        },
        display_name: row.try_get("display_name")?,
    })
}

impl Store {
    /// Finds or creates the user; a non-empty display name replaces the stored one.
    pub async fn upsert_user(&self, user: &UserRef, display_name: &str) -> Result<UserRecord> {
        let _turn = self.turn().await;
        let row = sqlx::query(
            "INSERT INTO users (platform, native_id, display_name, first_seen) VALUES ($1, $2, $3, $4)
             ON CONFLICT (platform, native_id) DO UPDATE SET display_name =
                 CASE WHEN excluded.display_name = '' THEN users.display_name ELSE excluded.display_name END
             RETURNING id, platform, native_id, display_name",
        )
        .bind(user.platform.as_str())
        .bind(&user.native_id)
        .bind(display_name)
        .bind(Stamp(self.clock.now()))
        .fetch_one(&self.pool)
        .await?;
        user_from_row(&row).map_err(super::StoreError::from)
    }

    /// The stored role, `Role::Reader` when none.
    pub async fn role_of(&self, user_id: i64) -> Result<Role> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(role.map_or(Role::Reader, |r| Role::from_stored(&r)))
    }

    /// Gives a user a role (recorded with who granted it).
    pub async fn set_role(&self, user_id: i64, role: Role, granted_by: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, granted_by = excluded.granted_by,
                 granted_at = excluded.granted_at",
        )
        .bind(user_id)
        .bind(role.as_str())
        .bind(granted_by)
        .bind(Stamp(self.clock.now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes the stored role; false when the user had none.
    pub async fn remove_role(&self, user_id: i64) -> Result<bool> {
        let _turn = self.turn().await;
        let done = sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Everyone with a stored role, moderators first.
    pub async fn list_roles(&self) -> Result<Vec<(UserRecord, Role)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.platform, u.native_id, u.display_name, r.role FROM user_roles r
             JOIN users u ON u.id = r.user_id ORDER BY r.role DESC, u.platform, u.native_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    user_from_row(row)?,
                    Role::from_stored(&row.try_get::<String, _>("role")?),
                ))
            })
            .collect()
    }
}
