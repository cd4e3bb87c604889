//! Every failure of a Matrix request sorted into the engine's classes.

use std::time::{Duration, SystemTime};

use matrix_sdk::HttpError;
use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};

use crate::delivery::SendError;

/// When Synapse says M_LIMIT_EXCEEDED without saying how long: its default rc_message
/// refills one message every 5 s.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// Sorts a matrix-sdk error into the engine's classes.
pub fn classify(error: &matrix_sdk::Error) -> SendError {
    match error {
        matrix_sdk::Error::Http(http) => classify_http(http),
        // Store, crypto and serialization errors on herald's side: worth another try later.
        other => SendError::Transient(other.to_string()),
    }
}

/// Sorts an HTTP error from the homeserver into the engine's classes.
pub fn classify_http(error: &HttpError) -> SendError {
    let Some(api) = error.as_client_api_error() else {
        // The connection, a timeout, a body that was not JSON.
        return SendError::Transient(error.to_string());
    };
    let status = api.status_code.as_u16();
    let text = error.to_string();
    match api.error_kind() {
        Some(ErrorKind::LimitExceeded(data)) => SendError::RetryAfter {
            after: data.retry_after.map_or(DEFAULT_WAIT, wait),
            // Synapse limits the account, not the room.
            global: true,
        },
        // Not in the room any more (kicked, banned, left), or not allowed to post there.
        Some(ErrorKind::Forbidden) => SendError::ChatGone(text),
        Some(ErrorKind::NotFound) if status == 404 => SendError::ChatGone(text),
        Some(ErrorKind::TooLarge) => SendError::Permanent(text),
        // A revoked token stops everything; the log says so, and nothing is lost meanwhile.
        Some(ErrorKind::UnknownToken(_) | ErrorKind::MissingToken) => {
            tracing::error!("the homeserver no longer accepts herald's Matrix access token");
            SendError::Transient(text)
        }
        _ if status >= 500 || status == 408 => SendError::Transient(text),
        _ => SendError::Permanent(text),
    }
}

/// Whether a redaction failed only because the event is already gone.
pub fn already_gone(error: &HttpError) -> bool {
    matches!(error.client_api_error_kind(), Some(ErrorKind::NotFound))
}

fn wait(retry: RetryAfter) -> Duration {
    match retry {
        RetryAfter::Delay(d) => d,
        RetryAfter::DateTime(at) => at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::ruma::api::client::uiaa::UiaaResponse;
    use matrix_sdk::ruma::api::error::{
        ErrorBody, FromHttpResponseError, LimitExceededErrorData, StandardErrorBody,
    };

    fn api(status: u16, kind: ErrorKind) -> HttpError {
        let body = ErrorBody::Standard(StandardErrorBody::new(kind, "message".into()));
        let error = matrix_sdk::ruma::api::error::Error::new(
            matrix_sdk::ruma::exports::http::StatusCode::from_u16(status).unwrap(),
            body,
        );
        HttpError::Api(Box::new(FromHttpResponseError::Server(
            UiaaResponse::MatrixError(error),
        )))
    }

    #[test]
    fn limit_exceeded_waits_as_long_as_the_server_says() {
        let mut data = LimitExceededErrorData::new();
        data.retry_after = Some(RetryAfter::Delay(Duration::from_millis(4_321)));
        assert_eq!(
            classify_http(&api(429, ErrorKind::LimitExceeded(data))),
            SendError::RetryAfter {
                after: Duration::from_millis(4_321),
                global: true
            }
        );
        let silent = LimitExceededErrorData::new();
        assert_eq!(
            classify_http(&api(429, ErrorKind::LimitExceeded(silent))),
            SendError::RetryAfter {
                after: DEFAULT_WAIT,
                global: true
            }
        );
    }

    #[test]
    fn forbidden_means_gone_and_server_errors_are_transient() {
        assert!(matches!(
            classify_http(&api(403, ErrorKind::Forbidden)),
            SendError::ChatGone(_)
        ));
        assert!(matches!(
            classify_http(&api(502, ErrorKind::Unknown)),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify_http(&api(413, ErrorKind::TooLarge)),
            SendError::Permanent(_)
        ));
        assert!(matches!(
            classify_http(&api(400, ErrorKind::BadJson)),
            SendError::Permanent(_)
        ));
    }
}
