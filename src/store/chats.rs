//! Chats, channels and rooms herald talks in, with their language and time zone.

use sqlx::Row;

use super::Result;
use super::Store;
use super::stamp::Stamp;
use crate::domain::{ChatKind, Language, Platform, TimeZoneName, UserRef};

/// A chat herald knows: where it posts and how that chat wants to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRecord {
    /// herald's own id.
    pub id: i64,
    /// Which platform it is on.
    pub platform: Platform,
    /// The platform's id for it.
    pub native_id: String,
    /// Private chat, group, channel or room.
    pub kind: ChatKind,
    /// Its title.
    pub title: String,
    /// The language herald speaks there.
    pub language: Language,
    /// The time zone times are shown in.
    pub time_zone: TimeZoneName,
    /// Deliveries are paused (a moderator's /channel pause).
    pub paused: bool,
}

fn chat_from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<ChatRecord> {
    let platform: String = row.try_get("platform")?;
    let kind: String = row.try_get("kind")?;
    let language: String = row.try_get("language")?;
    let zone: String = row.try_get("time_zone")?;
    Ok(ChatRecord {
        id: row.try_get("id")?,
        platform: Platform::parse(&platform).unwrap_or(Platform::Console),
        native_id: row.try_get("native_id")?,
        kind: ChatKind::from_stored(&kind),
        title: row.try_get("title")?,
        language: Language::parse(&language).unwrap_or(Language::En),
        // Only valid names are ever written; fall back to UTC rather than fail a read.
        time_zone: TimeZoneName::parse(&zone).unwrap_or_else(TimeZoneName::utc),
        paused: row.try_get::<i64, _>("paused")? != 0,
    })
}

/// What an adapter knows about a chat the first time it sees it.
pub struct NewChat<'a> {
    /// Which platform it is on.
    pub platform: Platform,
    /// The platform's id for it.
    pub native_id: &'a str,
    /// Private chat, group, channel or room.
    pub kind: ChatKind,
    /// Its title.
    pub title: &'a str,
    /// The language herald speaks there at first.
    pub language: Language,
    /// The time zone it starts with.
    pub time_zone: TimeZoneName,
}

impl Store {
    /// Finds the chat or creates it with the given defaults; a known chat keeps its settings
    /// and only its title is refreshed. A message from a chat herald had given up on (the user
    /// blocked it, say) shows it is reachable again, so it is reactivated.
    pub async fn upsert_chat(&self, chat: NewChat<'_>) -> Result<ChatRecord> {
        let _turn = self.turn().await;
        let row = sqlx::query(
            "INSERT INTO chats (platform, native_id, kind, title, language, time_zone, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (platform, native_id) DO UPDATE SET title = excluded.title, active = 1, gone_reason = NULL
             RETURNING id, platform, native_id, kind, title, language, time_zone, paused",
        )
        .bind(chat.platform.as_str())
        .bind(chat.native_id)
        .bind(chat.kind.as_str())
        .bind(chat.title)
        .bind(chat.language.code())
        .bind(chat.time_zone.name())
        .bind(Stamp(self.clock.now()))
        .fetch_one(&self.pool)
        .await?;
        chat_from_row(&row).map_err(super::StoreError::from)
    }

    /// The active private chats (or notice rooms) of stored moderators and of `owners`, with
    /// their languages: where herald tells the people in charge about trouble.
    pub async fn moderator_chats(&self, owners: &[UserRef]) -> Result<Vec<(i64, Language)>> {
        // A private chat has the user's own id (Telegram); a notice room is recorded (Matrix).
        let chats: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT c.id, c.language FROM users u
             JOIN user_roles r ON r.user_id = u.id
             JOIN chats c ON c.id = u.notice_chat_id
                  OR (c.platform = u.platform AND c.native_id = u.native_id AND c.kind = 'private')
             WHERE r.role = 'moderator' AND c.active = 1",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut chats = languages(chats);
        for chat in self.owner_chats(owners).await? {
            if !chats.iter().any(|known| known.0 == chat.0) {
                chats.push(chat);
            }
        }
        Ok(chats)
    }

    /// The active private chats (or notice rooms) of `owners`, with their languages: where
    /// herald tells the people who pay about spending.
    pub async fn owner_chats(&self, owners: &[UserRef]) -> Result<Vec<(i64, Language)>> {
        let mut chats: Vec<(i64, Language)> = Vec::new();
        for owner in owners {
            let found: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, language FROM chats WHERE active = 1
                 AND ((platform = $1 AND native_id = $2 AND kind = 'private')
                      OR id = (SELECT notice_chat_id FROM users WHERE platform = $1 AND native_id = $2))",
            )
            .bind(owner.platform.as_str())
            .bind(&owner.native_id)
            .fetch_all(&self.pool)
            .await?;
            for chat in languages(found) {
                if !chats.iter().any(|known| known.0 == chat.0) {
                    chats.push(chat);
                }
            }
        }
        Ok(chats)
    }

    /// Records a user's one-to-one room with herald as where their notices go.
    pub async fn set_notice_chat(
        &self,
        platform: Platform,
        user: &str,
        chat_id: i64,
    ) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query(
            "UPDATE users SET notice_chat_id = $3
             WHERE platform = $1 AND native_id = $2 AND notice_chat_id IS DISTINCT FROM $3",
        )
        .bind(platform.as_str())
        .bind(user)
        .bind(chat_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The room is no longer one-to-one: notices would be overheard there, so none go to it.
    pub async fn forget_notice_chat(&self, chat_id: i64) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE users SET notice_chat_id = NULL WHERE notice_chat_id = $1")
            .bind(chat_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// herald's id for a platform chat, if it knows the chat.
    pub async fn chat_id(&self, platform: Platform, native_id: &str) -> Result<Option<i64>> {
        sqlx::query_scalar("SELECT id FROM chats WHERE platform = $1 AND native_id = $2")
            .bind(platform.as_str())
            .bind(native_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(super::StoreError::from)
    }

    /// Sets the language herald speaks in a chat.
    pub async fn set_chat_language(&self, chat_id: i64, language: Language) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE chats SET language = $2 WHERE id = $1")
            .bind(chat_id)
            .bind(language.code())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the time zone a chat's times are shown in.
    pub async fn set_chat_time_zone(&self, chat_id: i64, zone: TimeZoneName) -> Result<()> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE chats SET time_zone = $2 WHERE id = $1")
            .bind(chat_id)
            .bind(zone.name())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The chat herald knows under this platform id, whether or not it is active.
    pub async fn find_chat(
        &self,
        platform: Platform,
        native_id: &str,
    ) -> Result<Option<ChatRecord>> {
        let row = sqlx::query(
            "SELECT id, platform, native_id, kind, title, language, time_zone, paused FROM chats
             WHERE platform = $1 AND native_id = $2",
        )
        .bind(platform.as_str())
        .bind(native_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(chat_from_row)
            .transpose()
            .map_err(super::StoreError::from)
    }

    /// Pauses or resumes a chat: while paused its deliveries wait, and go out on resume.
    /// Its queued rows are moved to the end of time meanwhile, so the engine never reads them.
    pub async fn set_chat_paused(&self, chat_id: i64, paused: bool) -> Result<()> {
        let (_turn, mut tx) = self.write().await?;
        sqlx::query("UPDATE chats SET paused = $2 WHERE id = $1")
            .bind(chat_id)
            .bind(i64::from(paused))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE deliveries SET not_before = CASE $2 WHEN 1 THEN 9223372036854775807
                 ELSE (SELECT send_after FROM chats WHERE id = $1) END
             WHERE chat_id = $1 AND state = 'pending'",
        )
        .bind(chat_id)
        .bind(i64::from(paused))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The platform ids of the chats herald believes it can post to.
    pub async fn active_chats(&self, platform: Platform) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT native_id FROM chats WHERE platform = $1 AND active = 1")
            .bind(platform.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(super::StoreError::from)
    }

    /// The groups and channels of a platform, with whether each is active and why not.
    pub async fn shared_chats(
        &self,
        platform: Platform,
        limit: u32,
    ) -> Result<Vec<(ChatRecord, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT id, platform, native_id, kind, title, language, time_zone, paused,
                    CASE WHEN active = 1 THEN NULL ELSE COALESCE(gone_reason, '') END AS gone
             FROM chats WHERE platform = $1 AND kind <> 'private' ORDER BY title, id LIMIT $2",
        )
        .bind(platform.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((chat_from_row(row)?, row.try_get("gone")?)))
            .collect()
    }

    /// A moderator unlinks a chat: its subscriptions go and its unsent news is cancelled, in
    /// one transaction; copies already sent stay correctable.
    pub async fn unlink_chat(&self, chat_id: i64) -> Result<u64> {
        let (_turn, mut tx) = self.write().await?;
        sqlx::query("DELETE FROM subscriptions WHERE chat_id = $1")
            .bind(chat_id)
            .execute(&mut *tx)
            .await?;
        let cancelled = sqlx::query(
            "UPDATE deliveries SET state = 'cancelled', last_error = 'chat unlinked by a moderator'
             WHERE chat_id = $1 AND action IN ('send', 'digest') AND state IN ('pending', 'held')",
        )
        .bind(chat_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(cancelled)
    }
}

/// Chat ids with their stored language codes read as languages.
fn languages(chats: Vec<(i64, String)>) -> Vec<(i64, Language)> {
    chats
        .into_iter()
        .map(|(id, language)| (id, Language::parse(&language).unwrap_or(Language::En)))
        .collect()
}
