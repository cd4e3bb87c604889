//! The `[delivery]` and `[limits]` sections as the file spells them, checked and turned into
//! the plain values the engine obeys (`limits.rs`).

use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use super::{EngineConfig, PaidBroadcast, RatePolicy, Window};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawDelivery {
    concurrency: usize,
    max_attempts: i64,
    backoff_base_ms: u64,
    backoff_max_ms: u64,
    grace_ms: u64,
}

impl Default for RawDelivery {
    fn default() -> Self {
        let d = EngineConfig::default();
        RawDelivery {
            concurrency: d.concurrency,
            max_attempts: d.max_attempts,
            backoff_base_ms: d.backoff_base.as_millis() as u64,
            backoff_max_ms: d.backoff_max.as_millis() as u64,
            grace_ms: d.grace.as_millis() as u64,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawLimits {
    pub(super) telegram: RawTelegramLimits,
    pub(super) matrix: RawMatrixLimits,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawTelegramLimits {
    paid_broadcast: bool,
    paid_per_second: usize,
    paid_only_breaking: bool,
    paid_min_backlog_s: u64,
    paid_max_messages_per_day: u64,
    total_per_second: usize,
    per_chat_interval_ms: u64,
    group_per_minute: usize,
    margin_ms: u64,
    reply_share_percent: u8,
    group_share_percent: u8,
}

impl Default for RawTelegramLimits {
    fn default() -> Self {
        RawTelegramLimits {
            paid_broadcast: false,
            paid_per_second: 1_000,
            paid_only_breaking: false,
            paid_min_backlog_s: 0,
            paid_max_messages_per_day: 0,
            total_per_second: 30,
            per_chat_interval_ms: 1_000,
            group_per_minute: 20,
            margin_ms: 5,
            reply_share_percent: 33,
            group_share_percent: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawMatrixLimits {
    burst: usize,
    per_second: f64,
}

impl Default for RawMatrixLimits {
    fn default() -> Self {
        RawMatrixLimits {
            burst: 10,
            per_second: 0.2,
        }
    }
}

impl RawDelivery {
    /// The engine's settings, or which bound a value breaks.
    pub(super) fn engine_config(&self) -> anyhow::Result<EngineConfig> {
        let d = self;
        if d.concurrency == 0
            || d.max_attempts < 1
            || d.backoff_base_ms == 0
            || d.backoff_max_ms < d.backoff_base_ms
        {
            bail!(
                "delivery: concurrency and max_attempts must be at least 1, backoff_base_ms above 0 and at most backoff_max_ms"
            );
        }
        Ok(EngineConfig {
            concurrency: d.concurrency,
            max_attempts: d.max_attempts,
            backoff_base: Duration::from_millis(d.backoff_base_ms),
            backoff_max: Duration::from_millis(d.backoff_max_ms),
            grace: Duration::from_millis(d.grace_ms),
            ..EngineConfig::default()
        })
    }
}

impl RawTelegramLimits {
    /// Telegram's rate policy (paid broadcasts included), or which bound a value breaks.
    pub(super) fn policy(&self) -> anyhow::Result<RatePolicy> {
        let tg = self;
        if tg.total_per_second == 0
            || tg.group_per_minute == 0
            || !(1..=100).contains(&tg.reply_share_percent)
            || !(1..=100).contains(&tg.group_share_percent)
        {
            bail!(
                "limits.telegram: total_per_second and group_per_minute must be at least 1, reply_share_percent and group_share_percent 1 to 100"
            );
        }
        Ok(RatePolicy {
            total: Window {
                count: tg.total_per_second,
                window: Duration::from_secs(1),
            },
            paid: tg.paid_broadcast.then_some(PaidBroadcast {
                total: Window {
                    count: tg.paid_per_second,
                    window: Duration::from_secs(1),
                },
                only_breaking: tg.paid_only_breaking,
                min_backlog: Duration::from_secs(tg.paid_min_backlog_s),
                max_per_day: tg.paid_max_messages_per_day,
            }),
            per_chat_interval: Duration::from_millis(tg.per_chat_interval_ms),
            per_group: Some(Window {
                count: tg.group_per_minute,
                window: Duration::from_secs(60),
            }),
            margin: Duration::from_millis(tg.margin_ms),
            interactive_share: tg.reply_share_percent,
            group_share: tg.group_share_percent,
            bucket: false,
        })
    }
}

impl RawMatrixLimits {
    /// A homeserver's `rc_message` as its bucket of `burst` sends refilled at `per_second`, or
    /// which bound a value breaks.
    pub(super) fn policy(&self) -> anyhow::Result<RatePolicy> {
        let mx = self;
        if mx.burst == 0 || mx.per_second.is_nan() || mx.per_second <= 0.0 {
            bail!("limits.matrix: burst must be at least 1 and per_second above 0");
        }
        Ok(RatePolicy {
            total: Window {
                count: mx.burst,
                window: Duration::from_secs_f64(mx.burst as f64 / mx.per_second),
            },
            ..RatePolicy::matrix()
        })
    }
}
