//! Room events turned into app calls: `!commands`, invites, herald removed from a room, and
//! room upgrades. Handlers are registered after the first sync of a run, so messages written
//! while herald was away are not answered hours late.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::room::Room;
use matrix_sdk::ruma::api::client::membership::leave_room;
use matrix_sdk::ruma::events::room::member::{
    MembershipState, OriginalSyncRoomMemberEvent, StrippedRoomMemberEvent,
};
use matrix_sdk::ruma::events::room::message::{
    MessageFormat, MessageType, OriginalSyncRoomMessageEvent, Relation, TextMessageEventContent,
};
use matrix_sdk::ruma::events::room::tombstone::OriginalSyncRoomTombstoneEvent;
use matrix_sdk::ruma::{OwnedUserId, RoomId, RoomOrAliasId, UserId};
use matrix_sdk::{Client, RoomMemberships, RoomState};
use rust_i18n::t;
use tokio_util::sync::CancellationToken;

use super::attachment;
use crate::app::{App, Arrival, ChatInfo, Invocation, Sender, commands};
use crate::config::MatrixSettings;
use crate::domain::{ChatKind, ChatLoss, Platform, Rich, fnv};

/// A reply's body without the quote older clients put before it (`> <@user> …` lines, then
/// a blank line), so `!retract` written as a reply is still a command.
fn without_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    match body.split_once("\n\n") {
        Some((quote, rest)) if quote.lines().all(|l| l.starts_with('>')) => rest,
        _ => body,
    }
}

/// `formatted_body` without its `<mx-reply>` quote.
fn html_without_reply_fallback(html: &str) -> &str {
    const END: &str = "</mx-reply>";
    match html.find(END) {
        Some(end) if html.trim_start().starts_with("<mx-reply>") => &html[end + END.len()..],
        _ => html,
    }
}

/// Why herald is out of a room, as /channel list and the moderators' notice show it.
fn left_reason(membership: &MembershipState, by: &UserId, reason: Option<&str>) -> String {
    ChatLoss::Removed {
        by: by.to_string(),
        banned: *membership == MembershipState::Ban,
        note: reason.filter(|r| !r.trim().is_empty()).map(str::to_string),
    }
    .to_string()
}

/// Whether the room is `user`'s direct chat with herald: marked direct (the SDK marks a room
/// joined by a direct invite) with them as the other side, and nobody else in it.
async fn is_direct_with(room: &Room, user: &UserId) -> bool {
    let targets = room.direct_targets();
    targets.len() == 1
        && targets.iter().any(|t| t.as_user_id() == Some(user))
        && joined(room).await <= 2
}

/// Members joined, as far as the synced state tells (Synapse's sync carries no member counts
/// unless members are lazy-loaded, so they are counted from the stored member events).
async fn joined(room: &Room) -> usize {
    room.members_no_sync(RoomMemberships::JOIN)
        .await
        .map_or(usize::MAX, |members| members.len())
}

/// How long one sync waits for news.
const SYNC_TIMEOUT: Duration = Duration::from_secs(10);

/// How old a message may be and still be answered: herald remembers the events it handled for
/// two days, so an older one replayed by a sync could not be told from a new one.
const STALE_MS: i64 = 24 * 3600 * 1000;

/// Turns room events into app calls.
#[derive(Clone)]
pub struct Inbound {
    client: Client,
    app: App,
    settings: Arc<MatrixSettings>,
    /// herald's own user id.
    me: OwnedUserId,
}

impl Inbound {
    /// The handler state for `client`'s events, answering through `app`.
    pub fn new(client: Client, app: App, settings: MatrixSettings) -> anyhow::Result<Inbound> {
        let me = client
            .user_id()
            .context("the Matrix client is signed in")?
            .to_owned();
        Ok(Inbound {
            client,
            app,
            settings: Arc::new(settings),
            me,
        })
    }

    /// Registers the event handlers; from the next sync on, events are acted upon.
    pub fn listen(&self) {
        let me = self.clone();
        self.client
            .add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
                let me = me.clone();
                async move { me.message(event, room).await }
            });
        let me = self.clone();
        self.client
            .add_event_handler(move |event: StrippedRoomMemberEvent, room: Room| {
                let me = me.clone();
                async move { me.invited(&event.sender, event.state_key.as_str(), room) }
            });
        let me = self.clone();
        self.client
            .add_event_handler(move |event: OriginalSyncRoomMemberEvent, room: Room| {
                let me = me.clone();
                async move { me.membership(event, room).await }
            });
        let me = self.clone();
        self.client
            .add_event_handler(move |event: OriginalSyncRoomTombstoneEvent, room: Room| {
                let me = me.clone();
                async move { me.upgraded(event, room).await }
            });
    }

    /// Invites that arrived while herald was not running.
    pub async fn pending_invites(&self) {
        for room in self.client.invited_rooms() {
            match room.invite_details().await {
                Ok(invite) => {
                    self.invited(&invite.inviter_id, self.me.as_str(), room);
                }
                Err(error) => {
                    tracing::warn!(room = %room.room_id(), %error, "cannot read an invite")
                }
            }
        }
    }

    /// A message in a room, handled once however many processes' syncs see it: after a
    /// takeover, the new syncing process replays what came since its own last sync, which
    /// another process may have answered. Messages older than herald remembers answers are
    /// not commands to answer now.
    async fn message(&self, event: OriginalSyncRoomMessageEvent, room: Room) {
        if room.state() != RoomState::Joined
            || event.sender == self.me
            || command_text(&event).is_none()
        {
            return;
        }
        let sent_ms = i64::try_from(u64::from(event.origin_server_ts.get())).unwrap_or(i64::MAX);
        if self.app.clock().now_ms() - sent_ms > STALE_MS {
            tracing::debug!(event = %event.event_id, "an old message replayed by a sync; ignored");
            return;
        }
        let id = fnv(event.event_id.as_str()).cast_signed();
        let handle = self.command(event, room);
        if let Err(error) = self
            .app
            .once(Platform::Matrix, id, Arrival::Polled, handle)
            .await
        {
            tracing::error!(
                error = format!("{error:#}"),
                "could not record a handled message"
            );
        }
    }

    async fn command(&self, event: OriginalSyncRoomMessageEvent, room: Room) {
        let Some((text, message_id, edited)) = command_text(&event) else {
            return;
        };
        let replied = match &event.content.relates_to {
            Some(Relation::Reply(reply)) => Some(&reply.in_reply_to.event_id),
            _ => None,
        };
        let display_name = match room.get_member_no_sync(&event.sender).await {
            Ok(Some(member)) => member.name().to_string(),
            _ => event.sender.localpart().to_string(),
        };
        // The HTML a client sent beside the plain body carries the editor's formatting; only
        // its text, bold, italic and links are read from it.
        let rich = match &text.formatted {
            Some(f) if f.format == MessageFormat::Html => {
                Rich::from_html(html_without_reply_fallback(&f.body))
            }
            _ => Rich::plain(without_reply_fallback(&text.body)),
        }
        .trim();
        // A `!post` answering an image publishes with it.
        let photo = match (replied, commands::split(&rich.text)) {
            (Some(replied), Some((name, _))) if name == "post" => {
                attachment::replied_image(&self.client, &room, replied).await
            }
            _ => None,
        };
        let invocation = Invocation {
            platform: Platform::Matrix,
            chat: chat_info(&room).await,
            sender: Sender {
                native_id: event.sender.to_string(),
                display_name,
                language: None,
            },
            marks: rich.marks().to_vec(),
            reply_to: replied.map(ToString::to_string),
            message_id: Some(message_id),
            edited,
            text: rich.text,
            photo,
        };
        if let Err(error) = self.app.submit(&invocation).await {
            tracing::error!(room = %room.room_id(), error = format!("{error:#}"), "could not answer a command");
        }
        if is_direct_with(&room, &event.sender).await
            && let Err(error) = self
                .app
                .direct_room(
                    Platform::Matrix,
                    event.sender.as_str(),
                    room.room_id().as_str(),
                )
                .await
        {
            tracing::error!(room = %room.room_id(), error = format!("{error:#}"), "could not record a direct room");
        }
    }

    /// An invite for herald: joined (in the background, since the homeserver may not be ready
    /// for the join yet) when it comes from an allowed inviter, declined with a reason otherwise.
    fn invited(&self, inviter: &UserId, invitee: &str, room: Room) {
        if invitee != self.me.as_str() || room.state() != RoomState::Invited {
            return;
        }
        let me = self.clone();
        let inviter = inviter.to_owned();
        tokio::spawn(async move {
            let result = if me.settings.may_invite(inviter.as_str()) {
                me.join(&room, &inviter).await
            } else {
                me.decline(&room, &inviter).await
            };
            if let Err(error) = result {
                tracing::error!(room = %room.room_id(), %inviter, error = format!("{error:#}"), "could not act on an invite");
            }
        });
    }

    async fn join(&self, room: &Room, inviter: &UserId) -> anyhow::Result<()> {
        let mut wait = Duration::from_millis(500);
        let mut attempt = 1;
        while let Err(error) = room.join().await {
            if attempt == 6 {
                return Err(error).context("joining the room");
            }
            tracing::warn!(room = %room.room_id(), %error, attempt, "join failed; trying again");
            tokio::time::sleep(wait).await;
            wait *= 2;
            attempt += 1;
        }
        tracing::info!(room = %room.room_id(), %inviter, "joined a room");
        let chat = chat_info(room).await;
        self.app.chat_joined(Platform::Matrix, &chat).await?;
        // The new version of an upgraded room herald was in: its subscriptions come along.
        if let Some(old) = room.predecessor_room() {
            self.app
                .chat_moved(Platform::Matrix, old.room_id.as_str(), &chat.native_id)
                .await?;
        }
        // The room's first message from herald: the greeting, in the newsroom's language.
        let greeting = Invocation {
            platform: Platform::Matrix,
            chat,
            sender: Sender {
                native_id: inviter.to_string(),
                display_name: inviter.localpart().to_string(),
                language: None,
            },
            text: "!start".into(),
            marks: Vec::new(),
            reply_to: None,
            message_id: None,
            edited: false,
            photo: None,
        };
        self.app.submit(&greeting).await?;
        Ok(())
    }

    async fn decline(&self, room: &Room, inviter: &UserId) -> anyhow::Result<()> {
        tracing::info!(room = %room.room_id(), %inviter, "declining an invite from someone not allowed");
        let reason = format!(
            "{} / {}",
            t!("matrix.declined", locale = "en"),
            t!("matrix.declined", locale = "ru")
        );
        let mut request = leave_room::v3::Request::new(room.room_id().to_owned());
        request.reason = Some(reason);
        self.client
            .send(request)
            .await
            .context("declining the invite")?;
        Ok(())
    }

    /// herald kicked, banned or otherwise out of a room: the room is deactivated. Another
    /// member's change may end a direct room.
    async fn membership(&self, event: OriginalSyncRoomMemberEvent, room: Room) {
        if event.state_key != self.me {
            self.member_changed(&event, &room).await;
            return;
        }
        let membership = &event.content.membership;
        if !matches!(membership, MembershipState::Leave | MembershipState::Ban) {
            return;
        }
        let reason = left_reason(membership, &event.sender, event.content.reason.as_deref());
        if let Err(error) = self
            .app
            .chat_left(Platform::Matrix, room.room_id().as_str(), &reason)
            .await
        {
            tracing::error!(room = %room.room_id(), error = format!("{error:#}"), "could not record leaving a room");
        }
    }

    /// A third member joined a room: no longer anyone's direct room for notices.
    async fn member_changed(&self, event: &OriginalSyncRoomMemberEvent, room: &Room) {
        if event.content.membership != MembershipState::Join || joined(room).await <= 2 {
            return;
        }
        if let Err(error) = self
            .app
            .room_shared(Platform::Matrix, room.room_id().as_str())
            .await
        {
            tracing::error!(room = %room.room_id(), error = format!("{error:#}"), "could not record a room's new member");
        }
    }

    /// Rooms herald was removed from while it was stopped: the first sync (whose events are not
    /// acted upon) brought the news, so every room herald believes active is checked against
    /// it and the lost ones are handled as a removal seen live.
    pub async fn rooms_lost_while_away(&self) -> anyhow::Result<()> {
        for id in self.app.active_chats(Platform::Matrix).await? {
            let Ok(room_id) = RoomId::parse(&id) else {
                tracing::warn!(room = id, "a stored Matrix room id is not valid; skipped");
                continue;
            };
            let room = self.client.get_room(&room_id);
            if room
                .as_ref()
                .is_some_and(|r| r.state() == RoomState::Joined)
            {
                continue;
            }
            let member = match &room {
                Some(room) => room.get_member_no_sync(&self.me).await.ok().flatten(),
                None => None,
            };
            let reason = match member.as_ref().map(|m| m.event()) {
                Some(event) => left_reason(event.membership(), event.sender(), event.reason()),
                None => "herald is no longer in the room".to_string(),
            };
            self.app.chat_left(Platform::Matrix, &id, &reason).await?;
        }
        Ok(())
    }

    /// The room was upgraded: herald joins the new room and the chat follows it there.
    async fn upgraded(&self, event: OriginalSyncRoomTombstoneEvent, room: Room) {
        let new = event.content.replacement_room;
        let via = room.route().await.unwrap_or_default();
        match self
            .client
            .join_room_by_id_or_alias(<&RoomOrAliasId>::from(&*new), &via)
            .await
        {
            Ok(_) => {
                if let Err(error) = self
                    .app
                    .chat_moved(Platform::Matrix, room.room_id().as_str(), new.as_str())
                    .await
                {
                    tracing::error!(
                        error = format!("{error:#}"),
                        "could not follow a room upgrade"
                    );
                }
            }
            Err(error) => tracing::warn!(
                old = %room.room_id(), %new, %error,
                "the room was upgraded but herald cannot join the new one; invite it there"
            ),
        }
    }

    /// Syncs until `shutdown`, from this client's last sync on (events a process that synced
    /// meanwhile handled are recognised in `message`); failures back off and try again.
    pub async fn sync(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut settings = SyncSettings::default().timeout(SYNC_TIMEOUT);
        let mut failures: u32 = 0;
        loop {
            let result = tokio::select! {
                result = self.client.sync_once(settings.clone()) => result,
                () = shutdown.cancelled() => return Ok(()),
            };
            match result {
                Ok(response) => {
                    failures = 0;
                    settings = settings.token(response.next_batch);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let wait = Duration::from_secs(u64::from(failures.min(5)) * 2);
                    tracing::warn!(%error, ?wait, "Matrix sync failed; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = shutdown.cancelled() => return Ok(()),
                    }
                }
            }
        }
    }
}

/// The text of a `!command` message, with the id of the message it is (an edit names the
/// original) and whether it is an edit; `None` for anything else. An edit (`m.replace`)
/// carries the message's new content: an edited /post corrects what it published (see
/// `app::edits`), other edits do nothing.
fn command_text(
    event: &OriginalSyncRoomMessageEvent,
) -> Option<(&TextMessageEventContent, String, bool)> {
    let (msgtype, message_id, edited) = match &event.content.relates_to {
        Some(Relation::Replacement(edit)) => {
            (&edit.new_content.msgtype, edit.event_id.to_string(), true)
        }
        _ => (&event.content.msgtype, event.event_id.to_string(), false),
    };
    let MessageType::Text(text) = msgtype else {
        return None;
    };
    without_reply_fallback(&text.body)
        .trim_start()
        .starts_with('!')
        .then_some((text, message_id, edited))
}

async fn chat_info(room: &Room) -> ChatInfo {
    let title = match room.display_name().await {
        Ok(name) => name.to_string(),
        Err(_) => room.room_id().to_string(),
    };
    ChatInfo {
        native_id: room.room_id().to_string(),
        kind: ChatKind::Room,
        title,
    }
}
