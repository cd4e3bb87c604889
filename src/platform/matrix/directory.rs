//! Rooms as the command layer asks about them: `/channel add #room:server` finds a room by
//! alias or id, and a room's moderators (power level at least the room's state-event level,
//! i.e. those who may change the room itself) manage its subscriptions.

use async_trait::async_trait;
use matrix_sdk::ruma::events::MessageLikeEventType;
use matrix_sdk::ruma::{OwnedRoomId, RoomAliasId, RoomId, UserId};
use matrix_sdk::{Client, RoomState};

use crate::delivery::{ChatSummary, Directory, LookupError, Membership};
use crate::domain::ChatKind;

/// The directory backed by herald's Matrix account.
#[derive(Clone)]
pub struct MatrixDirectory {
    pub(super) client: Client,
}

impl MatrixDirectory {
    async fn room_id(&self, reference: &str) -> Result<OwnedRoomId, LookupError> {
        let reference = reference.trim();
        if let Ok(id) = RoomId::parse(reference) {
            return Ok(id);
        }
        let alias = RoomAliasId::parse(reference)
            .map_err(|_| LookupError::NotFound(format!("{reference}: not a room id or alias")))?;
        match self.client.resolve_room_alias(&alias).await {
            Ok(found) => Ok(found.room_id),
            Err(e)
                if e.as_client_api_error()
                    .is_some_and(|a| a.status_code == 404) =>
            {
                Err(LookupError::NotFound(reference.to_string()))
            }
            Err(e) => Err(LookupError::Unavailable(e.to_string())),
        }
    }

    fn joined(&self, id: &RoomId) -> Result<matrix_sdk::Room, LookupError> {
        self.client
            .get_room(id)
            .filter(|room| room.state() == RoomState::Joined)
            .ok_or_else(|| LookupError::NotFound(format!("{id}: herald is not in this room")))
    }
}

#[async_trait]
impl Directory for MatrixDirectory {
    async fn find_chat(&self, reference: &str) -> Result<ChatSummary, LookupError> {
        let id = self.room_id(reference).await?;
        let room = self.joined(&id)?;
        let title = room
            .display_name()
            .await
            .map(|name| name.to_string())
            .unwrap_or_else(|_| id.to_string());
        Ok(ChatSummary {
            native_id: id.to_string(),
            kind: ChatKind::Room,
            title,
        })
    }

    async fn membership(&self, chat: &str, user: &str) -> Result<Membership, LookupError> {
        let id = RoomId::parse(chat)
            .map_err(|_| LookupError::NotFound(format!("{chat}: not a room id")))?;
        let room = self.joined(&id)?;
        let user = UserId::parse(user)
            .map_err(|_| LookupError::NotFound(format!("{user}: not a Matrix user")))?;
        let levels = room
            .power_levels()
            .await
            .map_err(|e| LookupError::Unavailable(e.to_string()))?;
        let me = room.own_user_id();
        Ok(Membership {
            user_is_admin: levels.for_user(&user) >= levels.state_default,
            bot_can_post: levels.user_can_send_message(me, MessageLikeEventType::RoomMessage),
        })
    }
}
