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
