//! Telegram's answers sorted into the engine's classes. teloxide reports most refusals by
//! their description (it drops `error_code`), so the text decides; anything unknown is
//! permanent, except server errors and network trouble, which are worth another try.

use std::time::Duration;

use teloxide::{ApiError, RequestError};

use crate::delivery::{LookupError, SendError};

/// Sorts a failed Bot API call.
pub fn classify(error: &RequestError) -> SendError {
    match error {
        RequestError::RetryAfter(wait) => SendError::RetryAfter {
            after: wait.duration().max(Duration::from_secs(1)),
            // Telegram does not say which limit was hit, and every request during the wait
            // makes the next wait longer: the whole bot waits.
            global: true,
        },
        RequestError::MigrateToChatId(to) => SendError::ChatMoved(to.0.to_string()),
        RequestError::Network(e) => SendError::Transient(format!("network: {e}")),
        RequestError::Io(e) => SendError::Transient(format!("i/o: {e}")),
        RequestError::InvalidJson { .. } => {
            SendError::Transient("the answer was not Bot API JSON".into())
        }
        RequestError::Api(api) => classify_api(api),
    }
}

fn classify_api(error: &ApiError) -> SendError {
    match error {
        ApiError::BotBlocked
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::ChatNotFound
        | ApiError::UserDeactivated
        | ApiError::GroupDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::NotEnoughRightsToPostMessages => SendError::ChatGone(error.to_string()),
        ApiError::MessageCantBeDeleted => SendError::NotDeletable(error.to_string()),
        ApiError::Unknown(text) => classify_text(text),
        other => SendError::Permanent(other.to_string()),
    }
}

fn classify_text(text: &str) -> SendError {
    let lower = text.to_lowercase();
    if lower.starts_with("forbidden") || lower.contains("chat not found") {
        SendError::ChatGone(text.to_string())
    } else if lower.contains("can't be deleted") {
        SendError::NotDeletable(text.to_string())
    } else if lower.contains("internal server error")
        || lower.contains("bad gateway")
        || lower.contains("gateway timeout")
        || lower.contains("service unavailable")
        || lower.starts_with("too many requests")
    {
        SendError::Transient(text.to_string())
    } else {
        SendError::Permanent(text.to_string())
    }
}

/// The edit changed nothing (the copy already shows this text): that is success.
pub fn not_modified(error: &RequestError) -> bool {
    match error {
        RequestError::Api(ApiError::MessageNotModified) => true,
        RequestError::Api(ApiError::Unknown(text)) => text.contains("message is not modified"),
        _ => false,
    }
}

/// The message to delete is already gone: that is success too.
pub fn already_deleted(error: &RequestError) -> bool {
    matches!(
        error,
        RequestError::Api(ApiError::MessageToDeleteNotFound | ApiError::MessageIdInvalid)
    )
}

/// A failed lookup: the chat does not exist for herald, or Telegram did not answer.
pub fn lookup(error: &RequestError, reference: &str) -> LookupError {
    match classify(error) {
        SendError::ChatGone(_) | SendError::Permanent(_) | SendError::ChatMoved(_) => {
            LookupError::NotFound(reference.chars().take(64).collect())
        }
        other => LookupError::Unavailable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(text: &str) -> RequestError {
        RequestError::Api(
            serde_json::from_value(serde_json::json!(text))
                .unwrap_or_else(|_| ApiError::Unknown(text.to_string())),
        )
    }

    #[test]
    fn blocked_kicked_and_missing_chats_are_gone() {
        for text in [
            "Forbidden: bot was blocked by the user",
            "Forbidden: bot was kicked from the supergroup chat",
            "Forbidden: bot is not a member of the channel chat",
            "Bad Request: chat not found",
        ] {
            assert!(
                matches!(classify(&api(text)), SendError::ChatGone(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn server_errors_are_transient_and_bad_requests_permanent() {
        assert!(matches!(
            classify(&api("Internal Server Error")),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify(&api(
                "Bad Request: can't parse entities: unexpected end tag"
            )),
            SendError::Permanent(_)
        ));
        assert!(matches!(
            classify(&api("Bad Request: message can't be deleted")),
            SendError::NotDeletable(_)
        ));
    }

    #[test]
    fn retry_after_and_migration_keep_their_values() {
        let wait = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7));
        assert_eq!(
            classify(&wait),
            SendError::RetryAfter {
                after: Duration::from_secs(7),
                global: true
            }
        );
        let moved = RequestError::MigrateToChatId(teloxide::types::ChatId(-100_777));
        assert_eq!(classify(&moved), SendError::ChatMoved("-100777".into()));
    }
}
