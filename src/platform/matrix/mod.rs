//! herald in Matrix rooms, through matrix-sdk.
//!
//! - [`session`]: signing in once and reusing the device (and its keys) after restarts.
//! - [`inbound`]: `!commands`, invites from allowed users, removal, room upgrades; the sync loop.
//! - [`outbound`]: the delivery engine's [`Outbound`](crate::delivery::Outbound): m.text with
//!   Matrix HTML, photos as m.image, edits as m.replace, retractions as redactions.
//! - [`directory`]: rooms by alias, and who moderates a room.
//! - [`errors`]: every failure sorted into the engine's classes (M_LIMIT_EXCEEDED → wait).
//!
//! The SDK's own retries are off: the engine paces every send and hears every rate limit.

mod attachment;
pub mod directory;
pub mod errors;
pub mod inbound;
pub mod outbound;
mod photo;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use matrix_sdk::config::SyncSettings;

use crate::app::App;
use crate::config::MatrixSettings;
use crate::delivery::Outbound;
use crate::domain::Platform;
use crate::platform::Receiver;
use crate::telemetry::Quiet;

/// The SDK's own lines that bury herald's: an INFO on every sync, a WARN on every sync about a
/// room-key backup herald does not keep, an ERROR for each 404 it expects (absent account
/// data at sign-in), and a WARN that its own device "might have been deleted" when a key query
/// answers before the new device's keys are uploaded (a race at every fresh sign-in, seen in
/// CI). herald logs the failures it acts on itself.
pub const QUIET_LOG: Quiet = Quiet {
    named_by: "matrix_sdk",
    directives: "matrix_sdk=warn,matrix_sdk_base=warn,\
        matrix_sdk_crypto::backups=error,matrix_sdk_crypto::identities::manager=error,\
        matrix_sdk::http_client=off",
};
use crate::ingest::fetch::Fetcher;

/// What a started Matrix adapter hands to the rest of herald.
pub struct Started {
    /// For the delivery engine.
    pub outbound: Arc<dyn Outbound>,
    /// herald's device, the same after every restart.
    pub device_id: String,
    /// The sync loop (one process at a time may sync).
    pub receiver: Receiver,
}

/// Signs in (or restores the session), syncs once to skip what happened while herald was
/// away (rooms lost meanwhile are still deactivated), then acts on pending invites and returns
/// the sync loop, which goes on from the last sync this process made.
pub async fn start(app: &App, settings: &MatrixSettings) -> anyhow::Result<Started> {
    let client = session::connect(settings, &app.settings().data_dir).await?;
    client
        .sync_once(SyncSettings::default().timeout(Duration::ZERO))
        .await
        .context("the first Matrix sync")?;
    let device_id = client
        .device_id()
        .context("a signed-in client has a device")?
        .to_string();
    app.register_directory(
        Platform::Matrix,
        Arc::new(directory::MatrixDirectory {
            client: client.clone(),
        }),
    );
    let inbound = inbound::Inbound::new(client.clone(), app.clone(), settings.clone())?;
    inbound.rooms_lost_while_away().await?;
    inbound.listen();
    inbound.pending_invites().await;
    let receiver: Receiver = Box::new(move |shutdown| Box::pin(inbound.clone().sync(shutdown)));
    let photos =
        Fetcher::for_settings(&app.settings().ingest).context("building the photo HTTP client")?;
    let outbound = outbound::MatrixOutbound::new(client, photos, app.store().clone());
    tracing::info!(user = %settings.user_id, device = %device_id, "connected to Matrix");
    Ok(Started {
        outbound: Arc::new(outbound),
        device_id,
        receiver,
    })
}
