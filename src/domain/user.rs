//! A person on a platform, as named in the config (owners) and in /grant.

use std::fmt;

use super::chat::Platform;

/// `platform:native-id`, e.g. `telegram:123456`, `matrix:@alice:example.org`, `console:local`.
/// A bare Matrix id (`@alice:example.org`) is understood too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserRef {
    pub platform: Platform,
    pub native_id: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UserRefError {
    #[error("`{0}` is not a user reference (expected platform:id, e.g. telegram:123456)")]
    Malformed(String),
    #[error("unknown platform `{0}` (expected console, telegram or matrix)")]
    UnknownPlatform(String),
}

impl UserRef {
    pub fn parse(input: &str) -> Result<UserRef, UserRefError> {
        let input = input.trim();
        if input.starts_with('@') && input.contains(':') {
            return Ok(UserRef {
                platform: Platform::Matrix,
                native_id: input.to_string(),
            });
        }
        let (platform, id) = input
            .split_once(':')
            .ok_or_else(|| UserRefError::Malformed(input.to_string()))?;
        let platform = Platform::parse(platform)
            .ok_or_else(|| UserRefError::UnknownPlatform(platform.to_string()))?;
        let valid = match platform {
            Platform::Telegram => {
                !id.is_empty() && id.len() <= 20 && id.chars().all(|c| c.is_ascii_digit())
            }
            Platform::Matrix => id.starts_with('@') && id.contains(':') && id.len() <= 255,
            Platform::Console => {
                !id.is_empty() && id.len() <= 64 && !id.chars().any(char::is_whitespace)
            }
        };
        if !valid {
            return Err(UserRefError::Malformed(input.to_string()));
        }
        Ok(UserRef {
            platform,
            native_id: id.to_string(),
        })
    }
}

impl fmt::Display for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.native_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_prefixed_and_bare_matrix_ids_parse() {
        assert_eq!(UserRef::parse("telegram:42").unwrap().native_id, "42");
        assert_eq!(
            UserRef::parse("@ed:example.org").unwrap().platform,
            Platform::Matrix
        );
        assert_eq!(
            UserRef::parse("matrix:@ed:example.org")
                .unwrap()
                .to_string(),
            "matrix:@ed:example.org"
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        assert!(UserRef::parse("telegram:abc").is_err());
        assert!(UserRef::parse("alice").is_err());
        assert_eq!(
            UserRef::parse("icq:1"),
            Err(UserRefError::UnknownPlatform("icq".into()))
        );
    }
}
