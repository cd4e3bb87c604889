//! Platform adapters. This is the only part of herald that may name a chat framework's types;
//! everything else talks in `Invocation` and `Reply`.

pub mod console;
