//! /deliveries [failed|retry <id|all>] — moderators watch the outbox and retry dead letters.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::Platform;
use crate::message::tr_count;

#[derive(Debug)]
pub enum Deliveries {
    /// Queue counts and the latest notices.
    Summary,
    /// The latest dead letters.
    Failed,
    /// Queue one dead letter (or all) again.
    Retry(Option<i64>),
}

impl Deliveries {
    pub fn parse(args: &str) -> Result<Deliveries, CommandError> {
        let words: Vec<&str> = args.split_whitespace().collect();
        match words.as_slice() {
            [] => Ok(Deliveries::Summary),
            ["failed"] => Ok(Deliveries::Failed),
            ["retry", "all"] => Ok(Deliveries::Retry(None)),
            ["retry", id] => id
                .trim_start_matches('#')
                .parse()
                .map(|id| Deliveries::Retry(Some(id)))
                .map_err(|_| CommandError::Usage("deliveries")),
            _ => Err(CommandError::Usage("deliveries")),
        }
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let store = ctx.store();
        match self {
            Deliveries::Summary => {
                let s = store.queue_stats(ctx.app.clock().now_ms()).await?;
                let oldest = s
                    .oldest_pending_ms
                    .map_or_else(|| "—".to_string(), |ms| format!("{}s", ms / 1000));
                let mut reply = Reply::default()
                    .heading(t!("deliveries.heading", locale = l))
                    .paragraph(t!(
                        "deliveries.summary",
                        locale = l,
                        pending = s.pending,
                        held = s.held,
                        sending = s.sending,
                        sent = s.sent,
                        dead = s.dead,
                        oldest = oldest
                    ));
                if let Some(paid) = ctx.settings().telegram_limits.paid {
                    let now = ctx.app.clock().now_ms();
                    let today = now - now.rem_euclid(86_400_000);
                    let sent = store.paid_sent_since(Platform::Telegram, today).await?;
                    let cap = match paid.max_per_day {
                        0 => t!("deliveries.no_cap", locale = l).into_owned(),
                        cap => cap.to_string(),
                    };
                    reply = reply.paragraph(t!("deliveries.paid", locale = l, sent = sent, cap = cap));
                }
                for (platform, interval_ms) in store.learned_intervals().await? {
                    let configured = match platform {
                        Platform::Matrix => ctx.settings().matrix_limits,
                        _ => ctx.settings().telegram_limits,
                    };
                    reply = reply.paragraph(t!(
                        "deliveries.learned",
                        locale = l,
                        platform = platform_name(platform),
                        learned = seconds(interval_ms),
                        configured = seconds(configured.drain_interval().as_millis() as i64)
                    ));
                }
                for (at, kind, chat, detail) in store.recent_notices(5).await? {
                    let at = at
                        .with_timezone(&ctx.chat.time_zone.tz())
                        .format("%d.%m %H:%M");
                    reply = reply.item(format!("{at} · {kind} · {chat} · {detail}"));
                }
                Ok(reply.hint(t!("deliveries.hint", locale = l)))
            }
            Deliveries::Failed => {
                let dead = store.dead_letters(20).await?;
                if dead.is_empty() {
                    return Ok(Reply::text(t!("deliveries.none_failed", locale = l)));
                }
                let mut reply =
                    Reply::default().heading(t!("deliveries.failed_heading", locale = l));
                for d in dead {
                    let article = d.article_id.map_or_else(String::new, |a| format!(" #{a}"));
                    reply = reply.item(format!(
                        "{} · {}{article} → {} · {}× · {}",
                        d.id, d.action, d.chat, d.attempts, d.error
                    ));
                }
                Ok(reply.hint(t!("deliveries.retry_hint", locale = l)))
            }
            Deliveries::Retry(id) => {
                let count = store.retry_dead(id, ctx.app.clock().now_ms()).await?;
                ctx.app.planned();
                Ok(Reply::text(tr_count("deliveries.retried", l, count)))
            }
        }
    }
}

/// A platform's name as readers know it.
fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Telegram => "Telegram",
        Platform::Matrix => "Matrix",
        Platform::Console => "console",
    }
}

/// Milliseconds as seconds with one decimal.
fn seconds(ms: i64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}
