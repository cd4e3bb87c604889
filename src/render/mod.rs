//! Turning platform-neutral replies into what each platform shows.

pub mod layout;
pub mod matrix;
pub mod plain;
pub mod post;
pub mod telegram;
pub mod telegram_reply;
