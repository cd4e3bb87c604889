//! Integration tests: herald as `herald run` builds it (`Application::build`) on a fresh
//! database per test, driven through the command layer exactly as a platform adapter drives it.
//! The harness (no tests of its own) is under `support/`.

#![recursion_limit = "256"]

mod alerts;
mod cms;
mod console;
mod copy_db;
mod copy_search;
mod delivery;
mod digests;
mod editor_photos;
mod editors;
mod feedparser;
mod feeds;
mod formatting;
mod http;
mod inline;
mod lanes;
mod matrix;
mod matrix_editors;
mod matrix_fanout;
mod matrix_operator;
mod matrix_photos;
mod matrix_processes;
mod moderators;
mod paid;
mod pairs;
mod processes;
mod readers;
mod rendering;
mod replies;
mod search;
mod telegram;
mod telegram_delivery;
mod telegram_webhook;
mod workflow;

mod support;
use support::{feed_server, helpers, mx, tg};
