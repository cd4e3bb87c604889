//! Platform adapters, and the only part of herald that may name a chat framework's types.
//!
//! Inbound, an adapter turns a platform message into an [`Invocation`](crate::app::Invocation)
//! and renders the app's [`Reply`](crate::message::Reply). Outbound, it implements the delivery
//! engine's [`Outbound`](crate::delivery::Outbound) port and sorts every failure into a
//! [`SendError`](crate::delivery::SendError) class; for the commands it implements the
//! [`Directory`](crate::delivery::Directory) port.

#![warn(missing_docs)]

pub mod console;
pub mod matrix;
pub mod memory;
pub mod telegram;

use std::future::Future;
use std::pin::Pin;

use tokio_util::sync::CancellationToken;

/// A platform's update loop — Telegram's long polling, the Matrix sync — which the platform
/// allows once per account: with several herald processes on one database, the one holding
/// the lease runs it (see `application::leader`), and each time a process takes the lease
/// over it starts the loop anew, until the token is cancelled.
pub type Receiver = Box<dyn Fn(CancellationToken) -> Loop + Send + Sync>;

/// A running loop of a [`Receiver`].
pub type Loop = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
