//! The test harness: herald built as `herald run` builds it, the Telegram simulator and a real
//! Synapse as the platforms, a feed server, and the conversations tests hold with them.

pub mod feed_server;
pub mod helpers;
pub mod mx;
pub mod pg;
pub mod tg;
