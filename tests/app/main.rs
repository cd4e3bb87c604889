//! Integration tests: the real app (`App::build`) on a fresh database per test, driven through
//! the command layer exactly as a platform adapter drives it.

#![recursion_limit = "256"]

mod cms;
mod console;
mod delivery;
mod digests;
mod editors;
mod feed_server;
mod feeds;
mod helpers;
mod http;
mod lanes;
mod matrix;
mod matrix_fanout;
mod moderators;
mod mx;
mod pairs;
mod readers;
mod rendering;
mod search;
mod telegram;
mod telegram_delivery;
mod telegram_webhook;
mod tg;
mod workflow;
