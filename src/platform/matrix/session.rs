//! Signing in, once: the session (user, device, access token) is saved next to the SDK's
//! store in the data directory, so a restart reuses the same device and its encryption keys
//! instead of appearing as a new, unverified device in every room.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId};
use matrix_sdk::{SessionMeta, SessionTokens};
use secrecy::ExposeSecret;

use crate::config::{MatrixLogin, MatrixSettings};

/// Where the session and the SDK's store live inside the data directory.
pub fn state_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("matrix")
}

fn session_file(dir: &Path) -> PathBuf {
    dir.join("session.json")
}

/// A client signed in as the configured user, with its store opened.
pub async fn connect(settings: &MatrixSettings, data_dir: &Path) -> anyhow::Result<Client> {
    let dir = state_dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let passphrase = settings
        .store_passphrase
        .as_ref()
        .map(|p| p.expose_secret());
    // No retries inside the SDK: the delivery engine must see every M_LIMIT_EXCEEDED and
    // schedule by its retry_after_ms, and the sync loop has its own backoff.
    let client = Client::builder()
        .homeserver_url(settings.homeserver_url.as_str())
        .sqlite_store(dir.join("store"), passphrase)
        .request_config(RequestConfig::new().disable_retry())
        .build()
        .await
        .context(
            "opening the Matrix store (is matrix.store_passphrase the one it was made with?)",
        )?;
    let saved = session_file(&dir);
    if let Some(session) = load(&saved, &settings.user_id)? {
        client
            .restore_session(session)
            .await
            .context("restoring the saved Matrix session")?;
        tracing::info!(user = %settings.user_id, device = ?client.device_id(), "Matrix session restored");
        return Ok(client);
    }
    let session = match &settings.login {
        MatrixLogin::Password(password) => {
            let auth = client.matrix_auth();
            auth.login_username(&settings.user_id, password.expose_secret())
                .initial_device_display_name(&settings.device_name)
                .send()
                .await
                .context("logging in to Matrix; check matrix.user_id and the password")?;
            auth.session().context("a session after logging in")?
        }
        MatrixLogin::AccessToken(token) => {
            let session = token_session(settings, token.expose_secret()).await?;
            client
                .restore_session(session.clone())
                .await
                .context("using the Matrix access token")?;
            session
        }
    };
    save(&saved, &session)?;
    tracing::info!(user = %settings.user_id, device = %session.meta.device_id, "signed in to Matrix");
    Ok(client)
}

/// The device an access token belongs to, from the homeserver's whoami.
async fn token_session(settings: &MatrixSettings, token: &str) -> anyhow::Result<MatrixSession> {
    #[derive(serde::Deserialize)]
    struct WhoAmI {
        user_id: OwnedUserId,
        device_id: Option<OwnedDeviceId>,
    }
    let url = settings
        .homeserver_url
        .join("_matrix/client/v3/account/whoami")?;
    let who: WhoAmI = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .context("asking the homeserver whose access token this is")?
        .error_for_status()
        .context("the homeserver refused the access token")?
        .json()
        .await
        .context("reading whoami")?;
    if who.user_id.as_str() != settings.user_id {
        bail!(
            "the access token belongs to {}, not matrix.user_id {}",
            who.user_id,
            settings.user_id
        );
    }
    let device_id = who
        .device_id
        .context("the access token has no device; herald needs one for encrypted rooms")?;
    Ok(MatrixSession {
        meta: SessionMeta {
            user_id: who.user_id,
            device_id,
        },
        tokens: SessionTokens {
            access_token: token.to_string(),
            refresh_token: None,
        },
    })
}

/// The saved session, if there is one for this user (a changed user_id signs in afresh).
fn load(path: &Path, user_id: &str) -> anyhow::Result<Option<MatrixSession>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let session: MatrixSession = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a Matrix session", path.display()))?;
    Ok((session.meta.user_id.as_str() == user_id).then_some(session))
}

/// Saves the session readable by herald's user only: it holds the access token.
fn save(path: &Path, session: &MatrixSession) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(serde_json::to_string(session)?.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
