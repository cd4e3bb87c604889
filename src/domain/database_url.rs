//! Where a newsroom's database is: an SQLite file or a PostgreSQL server.

use std::fmt;
use std::path::PathBuf;

/// A database location as the command line and the configuration take it: `sqlite://<path>`
/// (or a bare path), or `postgres://…` / `postgresql://…`. Displayed without its password, so
/// it can go into logs and messages.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, as given.
    Postgres(String),
}

/// Why a database location was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    /// Nothing was given.
    #[error("no database given")]
    Empty,
    /// A scheme herald does not speak.
    #[error("`{0}://` is not a database herald can use (sqlite:// or postgres://)")]
    Scheme(String),
}

impl std::str::FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(text: &str) -> Result<DatabaseUrl, DatabaseUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        match text.split_once("://") {
            None => Ok(DatabaseUrl::Sqlite(PathBuf::from(text))),
            Some(("sqlite", path)) if !path.is_empty() => Ok(DatabaseUrl::Sqlite(path.into())),
            Some(("sqlite", _)) => Err(DatabaseUrlError::Empty),
            Some(("postgres" | "postgresql", _)) => Ok(DatabaseUrl::Postgres(text.to_owned())),
            Some((scheme, _)) => Err(DatabaseUrlError::Scheme(scheme.to_owned())),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `scheme://user:secret@host/db` as `scheme://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split_once(':').map_or(credentials, |(u, _)| u);
            let hidden = if credentials.contains(':') {
                ":***"
            } else {
                ""
            };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls_are_told_apart() {
        assert_eq!(
            "data/herald.db".parse(),
            Ok(DatabaseUrl::Sqlite("data/herald.db".into()))
        );
        assert_eq!(
            "sqlite:///var/lib/herald/herald.db".parse(),
            Ok(DatabaseUrl::Sqlite("/var/lib/herald/herald.db".into()))
        );
        assert!(matches!(
            "postgresql://herald@db/herald".parse(),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            "mysql://x".parse::<DatabaseUrl>(),
            Err(DatabaseUrlError::Scheme("mysql".into()))
        );
        assert_eq!(" ".parse::<DatabaseUrl>(), Err(DatabaseUrlError::Empty));
    }

    #[test]
    fn a_password_never_shows() {
        let url: DatabaseUrl = "postgres://herald:s3cret@db:5432/news?sslmode=require"
            .parse()
            .unwrap_or(DatabaseUrl::Sqlite("x".into()));
        assert_eq!(
            url.to_string(),
            "postgres://herald:***@db:5432/news?sslmode=require"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
