//! The `[matrix]` section. Matrix is on when a homeserver URL is given. The password, an
//! access token and the store passphrase come from the environment or from files outside the
//! repository, and never appear in logs (`SecretString` prints as `[REDACTED]`).

use anyhow::bail;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::telegram::secret;

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawMatrix {
    homeserver_url: String,
    user_id: String,
    /// Normally from `HERALD__MATRIX__PASSWORD`.
    #[serde(
        serialize_with = "crate::config::redacted",
        skip_serializing_if = "Option::is_none"
    )]
    password: Option<SecretString>,
    password_file: String,
    #[serde(
        serialize_with = "crate::config::redacted",
        skip_serializing_if = "Option::is_none"
    )]
    access_token: Option<SecretString>,
    access_token_file: String,
    #[serde(
        serialize_with = "crate::config::redacted",
        skip_serializing_if = "Option::is_none"
    )]
    store_passphrase: Option<SecretString>,
    store_passphrase_file: String,
    allowed_inviters: Vec<String>,
    device_name: String,
}

/// How herald signs in: a password (a new device the first time, then the saved session) or
/// an access token made elsewhere.
#[derive(Debug, Clone)]
pub enum MatrixLogin {
    Password(SecretString),
    AccessToken(SecretString),
}

#[derive(Debug, Clone)]
pub struct MatrixSettings {
    pub homeserver_url: url::Url,
    /// `@herald:example.org`.
    pub user_id: String,
    pub login: MatrixLogin,
    /// Encrypts the SDK's store (room keys, the device's identity) in the data directory.
    pub store_passphrase: Option<SecretString>,
    /// Who may invite herald into a room: user ids (`@editor:example.org`) or whole servers
    /// (`example.org`). Everyone else's invites are declined with a message.
    pub allowed_inviters: Vec<String>,
    pub device_name: String,
}

impl MatrixSettings {
    /// Whether an invite from `user` (`@name:server`) is accepted.
    pub fn may_invite(&self, user: &str) -> bool {
        let server = user.split_once(':').map_or("", |(_, s)| s);
        self.allowed_inviters
            .iter()
            .any(|allowed| allowed == user || (!allowed.starts_with('@') && allowed == server))
    }
}

impl RawMatrix {
    pub(super) fn settings(self) -> anyhow::Result<Option<MatrixSettings>> {
        if self.homeserver_url.trim().is_empty() {
            return Ok(None);
        }
        let homeserver_url = url::Url::parse(self.homeserver_url.trim())
            .map_err(|e| anyhow::anyhow!("matrix.homeserver_url: {e}"))?;
        let user_id = self.user_id.trim().to_string();
        if !(user_id.starts_with('@') && user_id.contains(':')) {
            bail!("matrix.user_id: expected @name:server, got `{user_id}`");
        }
        let password = secret(self.password, &self.password_file, "matrix.password_file")?;
        let token = secret(
            self.access_token,
            &self.access_token_file,
            "matrix.access_token_file",
        )?;
        let login = match (password, token) {
            (_, Some(token)) => MatrixLogin::AccessToken(token),
            (Some(password), None) => MatrixLogin::Password(password),
            (None, None) => bail!(
                "matrix: set a password (HERALD__MATRIX__PASSWORD or matrix.password_file) or an access token"
            ),
        };
        let store_passphrase = secret(
            self.store_passphrase,
            &self.store_passphrase_file,
            "matrix.store_passphrase_file",
        )?;
        for entry in &self.allowed_inviters {
            let user = entry.starts_with('@') && entry.contains(':');
            let server = !entry.is_empty() && !entry.contains(['@', ':', '/', ' ']);
            if !(user || server) {
                bail!("matrix.allowed_inviters: `{entry}` is neither @user:server nor a server");
            }
        }
        Ok(Some(MatrixSettings {
            homeserver_url,
            user_id,
            login,
            store_passphrase,
            allowed_inviters: self.allowed_inviters,
            device_name: if self.device_name.trim().is_empty() {
                "herald".into()
            } else {
                self.device_name.trim().into()
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(allowed: &[&str]) -> MatrixSettings {
        MatrixSettings {
            homeserver_url: url::Url::parse("https://matrix.example.org").unwrap(),
            user_id: "@herald:example.org".into(),
            login: MatrixLogin::Password("x".to_string().into()),
            store_passphrase: None,
            allowed_inviters: allowed.iter().map(|s| s.to_string()).collect(),
            device_name: "herald".into(),
        }
    }

    #[test]
    fn inviters_are_matched_by_user_or_whole_server() {
        let s = settings(&["@editor:news.example", "example.org"]);
        assert!(s.may_invite("@editor:news.example"));
        assert!(s.may_invite("@anyone:example.org"));
        assert!(!s.may_invite("@other:news.example"));
        assert!(!s.may_invite("@mallory:evil.example"));
        // A server name must match whole, not as a suffix.
        assert!(!s.may_invite("@x:notexample.org"));
    }
}
