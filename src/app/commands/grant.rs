//! /grant <user> editor|moderator — give someone a role.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::{Role, UserRef};

#[derive(Debug)]
pub struct Grant {
    user: UserRef,
    role: Role,
}

impl Grant {
    pub fn parse(args: &str) -> Result<Grant, CommandError> {
        let words: Vec<&str> = args.split_whitespace().collect();
        let [user, role] = words[..] else {
            return Err(CommandError::Usage("grant"));
        };
        let user = UserRef::parse(user)?;
        let role = Role::parse_grantable(role)
            .ok_or_else(|| CommandError::BadRole(role.chars().take(20).collect()))?;
        Ok(Grant { user, role })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        if !ctx.role.may_grant(self.role) {
            return Err(CommandError::Refused {
                needed: Role::Owner,
            });
        }
        if ctx.settings().is_owner(&self.user) {
            return Err(CommandError::TargetIsOwner(self.user.to_string()));
        }
        let target = ctx.store().upsert_user(&self.user, "").await?;
        ctx.store()
            .set_role(target.id, self.role, ctx.user.id)
            .await?;
        tracing::info!(target = %self.user, role = %self.role, by = %ctx.user.user, "role granted");
        let l = ctx.lang();
        let role = crate::message::tr(&format!("role.{}", self.role), l);
        Ok(Reply::text(t!(
            "grant.done",
            locale = l,
            user = self.user,
            role = role
        )))
    }
}
