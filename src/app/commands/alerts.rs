//! /alerts — this chat's keyword alerts, with how many articles each brought.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::message::tr_count;

#[derive(Debug)]
pub struct Alerts;

impl Alerts {
    pub fn parse(_args: &str) -> Result<Alerts, CommandError> {
        Ok(Alerts)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let alerts = ctx.store().alerts(ctx.chat.id).await?;
        if alerts.is_empty() {
            return Ok(Reply::text(t!("alerts.empty", locale = l)));
        }
        let mut reply = Reply::default().heading(t!("alerts.heading", locale = l));
        for (n, alert) in alerts.iter().enumerate() {
            let matched = tr_count("alerts.matched", l, alert.matched.max(0) as u64);
            reply = reply.item(format!("{}. «{}» — {matched}", n + 1, alert.query));
        }
        Ok(reply.hint(t!("alerts.hint", locale = l)))
    }
}
