//! /roles — who may post and moderate.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::Role;

#[derive(Debug)]
pub struct Roles;

impl Roles {
    pub fn parse(_args: &str) -> Result<Roles, CommandError> {
        Ok(Roles)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let owner = crate::message::tr(&format!("role.{}", Role::Owner), l);
        let mut reply = Reply::default().heading(t!("roles.heading", locale = l));
        for user in &ctx.settings().owners {
            reply = reply.item(format!("{user} — {owner}"));
        }
        for (user, role) in ctx.store().list_roles().await? {
            let role = crate::message::tr(&format!("role.{role}"), l);
            let name = if user.display_name.is_empty() {
                String::new()
            } else {
                format!(" ({})", user.display_name)
            };
            reply = reply.item(format!("{}{name} — {role}", user.user));
        }
        Ok(reply)
    }
}
