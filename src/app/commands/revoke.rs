//! /revoke <user> — take someone's role away.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::{Role, UserRef};

#[derive(Debug)]
pub struct Revoke {
    user: UserRef,
}

impl Revoke {
    pub fn parse(args: &str) -> Result<Revoke, CommandError> {
        let words: Vec<&str> = args.split_whitespace().collect();
        let [user] = words[..] else {
            return Err(CommandError::Usage("revoke"));
        };
        Ok(Revoke {
            user: UserRef::parse(user)?,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        if ctx.settings().is_owner(&self.user) {
            return Err(CommandError::TargetIsOwner(self.user.to_string()));
        }
        let target = ctx.store().upsert_user(&self.user, "").await?;
        let current = ctx.store().role_of(target.id).await?;
        if current == Role::Reader {
            return Ok(Reply::text(t!("revoke.none", locale = l, user = self.user)));
        }
        if !ctx.role.may_revoke(current) {
            return Err(CommandError::Refused {
                needed: Role::Owner,
            });
        }
        ctx.store().remove_role(target.id).await?;
        tracing::info!(target = %self.user, role = %current, by = %ctx.user.user, "role revoked");
        let role = crate::message::tr(&format!("role.{current}"), l);
        Ok(Reply::text(t!(
            "revoke.done",
            locale = l,
            user = self.user,
            role = role
        )))
    }
}
